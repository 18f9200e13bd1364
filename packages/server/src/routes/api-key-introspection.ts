import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Gatehouse } from '../gatehouse.ts';
import { resourceServerGate } from '../http/resource-server-auth.ts';
import { resourceServerSchemas } from '../http/schemas/resource-servers.ts';

const Body = Type.Object(
  {
    key: Type.String({ maxLength: 256 }),
    /** The address the key was presented from, for the key's network allowlist and the audit log. */
    ip: Type.String({ minLength: 2, maxLength: 64 }),
  },
  { additionalProperties: false },
);

/**
 * Key introspection for guards (resource-server credentials): `{active:false}` for every failure,
 * or who the key acts for and what it may do — its scopes and its owner's current permissions
 * (the guard allows the intersection) — with its limit and networks for the guard's own checks.
 */
export function apiKeyIntrospectionRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  const secret = gatehouse.config.introspectionSecret;
  if (secret === undefined) return;
  const gate = resourceServerGate(secret);

  app.post<{ Body: typeof Body.static }>(
    '/api-keys/introspect',
    { onRequest: gate, schema: { ...resourceServerSchemas.apiKey, body: Body }, bodyLimit: 4096 },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const result = await gatehouse.apiKeys.verify(request.body.key, request.body.ip, {
        ip: request.body.ip,
        requestId: request.id,
      });
      if (!result.ok) return { active: false };
      const { key, owner, rateLimit } = result.verified;
      const { permissions } = await gatehouse.permissions.accessOf(owner.id);
      return {
        active: true,
        key_id: key.id,
        sub: owner.id,
        kind: owner.kind,
        scopes: key.scopes,
        permissions: permissions.toArray(),
        exp: key.expiresAt === null ? null : Math.floor(key.expiresAt / 1000),
        rate_limit: { limit: rateLimit.limit, window_seconds: rateLimit.windowSeconds },
        allowed_cidrs: key.allowedCidrs,
      };
    },
  );
}
