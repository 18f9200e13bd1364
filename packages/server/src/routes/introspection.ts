import { constantTimeEqual, GatehouseError } from '@gatehouse/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../gatehouse.ts';
import { resourceServerSchemas } from '../http/schemas/resource-servers.ts';

const Body = Type.Object({ token: Type.String({ maxLength: 256 }) }, { additionalProperties: false });

/**
 * Session introspection for resource servers (the guard), in the spirit of RFC 7662: the caller
 * authenticates with `Authorization: Bearer <GATEHOUSE_INTROSPECTION_SECRET>` and posts the session
 * token it received in a cookie; the answer is `{ active: false }` or the subject with its current
 * permissions. Disabled (404) unless the secret is configured.
 */
export function introspectionRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  const secret = gatehouse.config.introspectionSecret;
  if (secret === undefined) return;

  const authenticateCaller = (request: FastifyRequest) => {
    const header = request.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!constantTimeEqual(presented, secret)) {
      throw new GatehouseError('unauthenticated', { detail: 'Resource-server credentials are required.' });
    }
  };

  app.post<{ Body: typeof Body.static }>(
    '/session/introspect',
    {
      schema: { ...resourceServerSchemas.session, body: Body },
      bodyLimit: 4096,
      onRequest: async (request) => authenticateCaller(request),
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const active = await gatehouse.sessions.resolve(request.body.token);
      if (active === undefined) return { active: false };
      const permissions = await gatehouse.permissions.permissionsOf(active.user.id);
      return {
        active: true,
        sub: active.user.id,
        kind: active.user.kind,
        email: active.user.email,
        sid: active.record.publicId,
        auth_time: Math.floor(active.record.authTime / 1000),
        exp: Math.floor(Math.min(active.record.idleExpiresAt, active.record.absoluteExpiresAt) / 1000),
        permissions: permissions.toArray(),
      };
    },
  );
}
