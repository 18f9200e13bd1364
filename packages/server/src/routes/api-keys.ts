import { GatehouseError } from '@gatehouse/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { refuseApiKeys, requireCaller, requireSession } from '../http/authenticate.ts';
import { requireCallerPrincipal } from '../http/principal.ts';
import { requestMeta } from '../http/request-meta.ts';
import { apiKeySchemas } from '../http/schemas/api-keys.ts';
import { sendPage } from '../http/security-headers.ts';
import { apiKeyCreatedPage } from '../pages/api-key-created-page.ts';
import { KeyId, NewKeyBody, RotateBody, sendNewKey } from './api-key-views.ts';

const NewKeyForm = Type.Object(
  {
    csrf: Type.String({ maxLength: 128 }),
    name: Type.String({ maxLength: 100 }),
    scopes: Type.String({ maxLength: 1000 }),
    expires_in: Type.String({ pattern: '^(?:|[1-9][0-9]{0,8})$' }),
  },
  { additionalProperties: false },
);
const RevokeForm = Type.Object({ csrf: Type.String({ maxLength: 128 }) }, { additionalProperties: false });

/**
 * Personal API keys, self-service (/account/api-keys): a signed-in user (session with CSRF, or a
 * Bearer access token) creates, lists, rotates and revokes their own keys. Keys themselves are
 * refused here (403): a leaked key must not be able to mint more. Personal keys get the default
 * rate limit; only an admin can set another.
 */
export function apiKeyRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const gate = { preHandler: [requireCaller(gatehouse, undefined, { apiKeys: true }), refuseApiKeys()] };
  /** The caller owns the keys it manages here; its id is the audit actor. */
  const owner = (request: FastifyRequest) => {
    const ownerId = requireCallerPrincipal(request).subject;
    return { ownerId, meta: requestMeta(request, ownerId) };
  };

  app.get('/account/api-keys', { ...gate, schema: apiKeySchemas.list }, async (request, reply) => {
    const keys = await commands.listApiKeys(owner(request));
    return reply.header('cache-control', 'no-store').send({ api_keys: keys });
  });

  app.post<{ Body: NewKeyBody }>(
    '/account/api-keys',
    { ...gate, schema: { ...apiKeySchemas.create, body: NewKeyBody } },
    async (request, reply) =>
      sendNewKey(
        reply,
        await commands.createApiKey({ ...owner(request), request: request.body, by: 'owner' }),
      ),
  );

  app.post<{ Params: typeof KeyId.static; Body: typeof RotateBody.static }>(
    '/account/api-keys/:keyId/rotate',
    { ...gate, schema: { ...apiKeySchemas.rotate, params: KeyId, body: RotateBody } },
    async (request, reply) => {
      const { ownerId, meta } = owner(request);
      const created = await commands.rotateApiKey({
        keyId: request.params.keyId,
        ownedBy: ownerId,
        overlapSeconds: request.body?.overlap_seconds ?? 0,
        meta,
      });
      return sendNewKey(reply, created);
    },
  );

  /** The account page's form variants (no JavaScript): create, then show the key once; revoke. */
  const pageGate = requireSession(gatehouse);
  app.post<{ Body: typeof NewKeyForm.static }>(
    '/account/api-keys/new',
    { preHandler: pageGate, schema: { ...apiKeySchemas.createForm, body: NewKeyForm } },
    async (request, reply) => {
      const { name, scopes, expires_in } = request.body;
      try {
        const created = await commands.createApiKey({
          ...owner(request),
          request: {
            name,
            scopes: scopes.split(/[\s,]+/).filter(Boolean),
            ...(expires_in === '' ? {} : { expires_in: Number(expires_in) }),
          },
          by: 'owner',
        });
        return sendPage(
          request,
          reply,
          apiKeyCreatedPage({ nonce: request.cspNonce, name: created.name, key: created.key }),
          201,
        );
      } catch (error) {
        if (error instanceof GatehouseError && error.status === 400) {
          return reply.code(303).header('location', '/account?key_error=1').send();
        }
        throw error;
      }
    },
  );

  app.post<{ Params: typeof KeyId.static; Body: typeof RevokeForm.static }>(
    '/account/api-keys/:keyId/revoke',
    { preHandler: pageGate, schema: { ...apiKeySchemas.revokeForm, params: KeyId, body: RevokeForm } },
    async (request, reply) => {
      const { ownerId, meta } = owner(request);
      await commands.revokeApiKey({ keyId: request.params.keyId, ownedBy: ownerId, meta });
      return reply.code(303).header('location', '/account?key_revoked=1').send();
    },
  );

  app.delete<{ Params: typeof KeyId.static }>(
    '/account/api-keys/:keyId',
    { ...gate, schema: { ...apiKeySchemas.revoke, params: KeyId } },
    async (request, reply) => {
      const { ownerId, meta } = owner(request);
      await commands.revokeApiKey({ keyId: request.params.keyId, ownedBy: ownerId, meta });
      return reply.code(204).send();
    },
  );
}
