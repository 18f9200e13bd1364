import { GatehouseError } from '@gatehouse/core';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../gatehouse.ts';
import { callerUser, refuseApiKeys, requireCaller, requireSession } from '../http/authenticate.ts';
import { requestMeta } from '../http/request-meta.ts';
import { apiKeySchemas } from '../http/schemas/api-keys.ts';
import { sendPage } from '../http/security-headers.ts';
import { apiKeyCreatedPage } from '../pages/api-key-created-page.ts';
import { KeyId, keyView, NewKeyBody, RotateBody, sendNewKey, toNewKeyInput } from './api-key-views.ts';

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
export function apiKeyRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  const gate = { preHandler: [requireCaller(gatehouse, undefined, { apiKeys: true }), refuseApiKeys()] };
  const owner = (request: FastifyRequest) => {
    const user = callerUser(request);
    if (user === undefined) throw new GatehouseError('unauthenticated');
    return user;
  };
  /** Someone else's key and no key at all look the same. */
  const ownKey = async (request: FastifyRequest, keyId: string) => {
    const key = await gatehouse.apiKeys.get(keyId);
    if (key === undefined || key.ownerId !== owner(request).id) {
      throw new GatehouseError('not_found', { detail: 'No such API key.' });
    }
    return key;
  };

  app.get('/account/api-keys', { ...gate, schema: apiKeySchemas.list }, async (request, reply) => {
    const now = gatehouse.clock.now();
    const keys = await gatehouse.apiKeys.list(owner(request).id);
    return reply.header('cache-control', 'no-store').send({ api_keys: keys.map((k) => keyView(k, now)) });
  });

  app.post<{ Body: NewKeyBody }>(
    '/account/api-keys',
    { ...gate, schema: { ...apiKeySchemas.create, body: NewKeyBody } },
    async (request, reply) => {
      if (request.body.rate_limit !== undefined) {
        throw new GatehouseError('forbidden', {
          detail: 'Only an administrator can set a key’s rate limit.',
        });
      }
      const user = owner(request);
      const now = gatehouse.clock.now();
      const created = await gatehouse.apiKeys.create(
        user.id,
        toNewKeyInput(request.body, now),
        requestMeta(request, user.id),
      );
      return sendNewKey(reply, created, now);
    },
  );

  app.post<{ Params: typeof KeyId.static; Body: typeof RotateBody.static }>(
    '/account/api-keys/:keyId/rotate',
    { ...gate, schema: { ...apiKeySchemas.rotate, params: KeyId, body: RotateBody } },
    async (request, reply) => {
      const key = await ownKey(request, request.params.keyId);
      const overlapSeconds = request.body?.overlap_seconds ?? 0;
      const created = await gatehouse.apiKeys.rotate(
        key.id,
        { overlapMs: overlapSeconds * 1000 },
        requestMeta(request, key.ownerId),
      );
      return sendNewKey(reply, created, gatehouse.clock.now());
    },
  );

  /** The account page's form variants (no JavaScript): create, then show the key once; revoke. */
  const pageGate = requireSession(gatehouse);
  app.post<{ Body: typeof NewKeyForm.static }>(
    '/account/api-keys/new',
    { preHandler: pageGate, schema: { ...apiKeySchemas.createForm, body: NewKeyForm } },
    async (request, reply) => {
      const { user } = request.session!;
      const now = gatehouse.clock.now();
      const { name, scopes, expires_in } = request.body;
      try {
        const created = await gatehouse.apiKeys.create(
          user.id,
          toNewKeyInput(
            {
              name,
              scopes: scopes.split(/[\s,]+/).filter(Boolean),
              ...(expires_in === '' ? {} : { expires_in: Number(expires_in) }),
            },
            now,
          ),
          requestMeta(request, user.id),
        );
        return sendPage(
          request,
          reply,
          apiKeyCreatedPage({ nonce: request.cspNonce, name: created.record.name, key: created.key }),
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
      const key = await ownKey(request, request.params.keyId);
      await gatehouse.apiKeys.revoke(key.id, requestMeta(request, key.ownerId));
      return reply.code(303).header('location', '/account?key_revoked=1').send();
    },
  );

  app.delete<{ Params: typeof KeyId.static }>(
    '/account/api-keys/:keyId',
    { ...gate, schema: { ...apiKeySchemas.revoke, params: KeyId } },
    async (request, reply) => {
      const key = await ownKey(request, request.params.keyId);
      await gatehouse.apiKeys.revoke(key.id, requestMeta(request, key.ownerId));
      return reply.code(204).send();
    },
  );
}
