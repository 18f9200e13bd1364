import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { callerUser, requireCaller, requirePermission } from '../http/authenticate.ts';
import { requestMeta } from '../http/request-meta.ts';
import { adminIncidentSchemas } from '../http/schemas/admin-incident.ts';
import { signingKeyView } from '../keys/signing-key-view.ts';

const Kid = Type.Object({ kid: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }) });
const RevokeAllBody = Type.Union([
  Type.Object({ user: Type.String({ minLength: 1, maxLength: 320 }) }, { additionalProperties: false }),
  Type.Object({ all: Type.Literal(true) }, { additionalProperties: false }),
]);

/**
 * The incident levers (docs/operations.md, runbooks): list and revoke signing keys, sign a user or
 * everyone out. Audited like every admin write.
 */
export function adminIncidentRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const session = requireCaller(gatehouse, undefined, { apiKeys: true });
  const can = (permission: string) => ({ preHandler: [session, requirePermission(gatehouse, permission)] });
  const meta = (request: FastifyRequest) => requestMeta(request, callerUser(request)?.id);

  const listKeys = { ...can('keys:read'), schema: adminIncidentSchemas.signingKeys };
  app.get('/admin/v1/signing-keys', listKeys, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    const keys = await commands.listSigningKeys();
    return {
      keys: keys.map(signingKeyView),
    };
  });

  app.post<{ Params: typeof Kid.static }>(
    '/admin/v1/signing-keys/:kid/revoke',
    { ...can('keys:revoke'), schema: { ...adminIncidentSchemas.revokeSigningKey, params: Kid } },
    async (request) => {
      const result = await commands.revokeSigningKey({ kid: request.params.kid, meta: meta(request) });
      return {
        kid: result.kid,
        revoked: result.revoked,
        previous_status: result.previousStatus,
        active: result.active,
        next: result.next,
      };
    },
  );

  app.post<{ Body: typeof RevokeAllBody.static }>(
    '/admin/v1/sessions/revoke-all',
    { ...can('sessions:revoke'), schema: { ...adminIncidentSchemas.revokeAll, body: RevokeAllBody } },
    async (request) => {
      const body = request.body;
      const target = 'all' in body ? 'everyone' : { user: body.user };
      const result = await commands.signOut({ target, meta: meta(request) });
      return {
        cutoff: new Date(result.cutoff).toISOString(),
        sessions: result.sessions,
        grants: result.grants,
      };
    },
  );
}
