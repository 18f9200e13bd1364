import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { callerUser, requireCaller, requirePermission } from '../http/authenticate.ts';
import { requestMeta } from '../http/request-meta.ts';
import { adminSchemas } from '../http/schemas/admin.ts';
import { adminUserView } from './admin-user-view.ts';

const UserId = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }) });
const InvitationBody = Type.Object(
  {
    email: Type.String({ maxLength: 320 }),
    roles: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);

/** What an operator does for someone else's account: invite them, send them a reset link, reset their second factors. */
export function adminAccountLifecycleRoutes(
  app: FastifyInstance,
  gatehouse: Gatehouse,
  commands: Commands,
): void {
  const caller = requireCaller(gatehouse, undefined, { apiKeys: true });
  const can = (permission: string) => ({ preHandler: [caller, requirePermission(gatehouse, permission)] });
  const meta = (request: FastifyRequest) => requestMeta(request, callerUser(request)?.id);

  app.post<{ Body: typeof InvitationBody.static }>(
    '/admin/v1/invitations',
    { ...can('users:write'), schema: { ...adminSchemas.invite, body: InvitationBody } },
    async (request, reply) => {
      const { user, expiresAt } = await commands.inviteUser({
        email: request.body.email,
        roles: request.body.roles ?? [],
        meta: meta(request),
      });
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({
          ...adminUserView(user),
          invitation_expires_at: new Date(expiresAt).toISOString(),
        });
    },
  );

  app.post<{ Params: typeof UserId.static }>(
    '/admin/v1/users/:id/password-reset',
    { ...can('users:write'), schema: { ...adminSchemas.sendPasswordReset, params: UserId } },
    async (request, reply) => {
      await commands.sendPasswordReset({ userId: request.params.id, meta: meta(request) });
      return reply.code(202).send();
    },
  );

  app.post<{ Params: typeof UserId.static }>(
    '/admin/v1/users/:id/mfa/reset',
    { ...can('users:write'), schema: { ...adminSchemas.resetSecondFactors, params: UserId } },
    async (request, reply) => {
      const { removed } = await commands.resetSecondFactors(request.params.id, meta(request));
      return reply.send({ removed });
    },
  );
}
