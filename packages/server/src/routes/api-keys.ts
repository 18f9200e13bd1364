import { GatehouseError } from '@gatehouse/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../gatehouse.ts';
import { callerUser, refuseApiKeys, requireCaller } from '../http/authenticate.ts';
import { requestMeta } from '../http/request-meta.ts';
import { KeyId, keyView, NewKeyBody, RotateBody, sendNewKey, toNewKeyInput } from './api-key-views.ts';

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

  app.get('/account/api-keys', gate, async (request, reply) => {
    const now = gatehouse.clock.now();
    const keys = await gatehouse.apiKeys.list(owner(request).id);
    return reply.header('cache-control', 'no-store').send({ api_keys: keys.map((k) => keyView(k, now)) });
  });

  app.post<{ Body: NewKeyBody }>(
    '/account/api-keys',
    { ...gate, schema: { body: NewKeyBody } },
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
    { ...gate, schema: { params: KeyId, body: RotateBody } },
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

  app.delete<{ Params: typeof KeyId.static }>(
    '/account/api-keys/:keyId',
    { ...gate, schema: { params: KeyId } },
    async (request, reply) => {
      const key = await ownKey(request, request.params.keyId);
      await gatehouse.apiKeys.revoke(key.id, requestMeta(request, key.ownerId));
      return reply.code(204).send();
    },
  );
}
