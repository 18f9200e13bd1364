import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { ServiceAccountWithRoles } from '../commands/service-accounts.ts';
import type { Gatehouse } from '../gatehouse.ts';
import {
  assertPermission,
  callerUser,
  refuseApiKeys,
  requireCaller,
  requirePermission,
} from '../http/authenticate.ts';
import { requestMeta } from '../http/request-meta.ts';
import { adminApiKeySchemas } from '../http/schemas/admin-api-keys.ts';
import { KeyId, NewKeyBody, RotateBody, sendNewKey } from './api-key-views.ts';

const AccountId = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }) });
const RateLimitBody = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    window_seconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
  },
  { additionalProperties: false },
);
const NewAccount = Type.Object(
  {
    name: Type.String({ maxLength: 63 }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    rate_limit: Type.Optional(RateLimitBody),
    roles: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);
const AccountChanges = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 500 })),
    rate_limit: Type.Optional(Type.Union([RateLimitBody, Type.Null()])),
  },
  { additionalProperties: false },
);

const toRule = (body: { limit: number; window_seconds: number } | null | undefined) =>
  body === undefined
    ? undefined
    : body === null
      ? null
      : { limit: body.limit, windowSeconds: body.window_seconds };

/**
 * Service accounts and every owner's API keys, for administrators (/admin/v1): permissions
 * service-accounts:read|write and api-keys:read|write. Roles of a service account are granted with
 * the users endpoints (a service account is an identity of kind `service`).
 */
export function adminApiKeyRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const caller = requireCaller(gatehouse, undefined, { apiKeys: true });
  const can = (permission: string) => ({ preHandler: [caller, requirePermission(gatehouse, permission)] });
  // Key management itself is never done with a key, whatever its scopes.
  const manage = (permission: string) => ({
    preHandler: [caller, refuseApiKeys(), requirePermission(gatehouse, permission)],
  });
  const meta = (request: FastifyRequest) => requestMeta(request, callerUser(request)?.id);
  const accountView = (a: ServiceAccountWithRoles) => ({
    id: a.id,
    name: a.name,
    description: a.description,
    disabled: a.disabled,
    rate_limit:
      a.rateLimit === null ? null : { limit: a.rateLimit.limit, window_seconds: a.rateLimit.windowSeconds },
    created_at: new Date(a.createdAt).toISOString(),
    roles: a.roles,
  });

  const listAccounts = { ...can('service-accounts:read'), schema: adminApiKeySchemas.listAccounts };
  app.get('/admin/v1/service-accounts', listAccounts, async () => ({
    service_accounts: (await commands.listServiceAccounts()).map(accountView),
  }));

  app.post<{ Body: typeof NewAccount.static }>(
    '/admin/v1/service-accounts',
    { ...can('service-accounts:write'), schema: { ...adminApiKeySchemas.createAccount, body: NewAccount } },
    async (request, reply) => {
      const { name, description, rate_limit, roles } = request.body;
      // Granting roles is its own right, as on the users endpoints.
      if (roles !== undefined && roles.length > 0) await assertPermission(gatehouse, request, 'roles:write');
      const created = await commands.createServiceAccount({
        name,
        description,
        rateLimit: toRule(rate_limit) ?? null,
        roles: roles ?? [],
        meta: meta(request),
      });
      return reply.code(201).send(accountView(created));
    },
  );

  app.get<{ Params: typeof AccountId.static }>(
    '/admin/v1/service-accounts/:id',
    { ...can('service-accounts:read'), schema: { ...adminApiKeySchemas.getAccount, params: AccountId } },
    async (request) => accountView(await commands.getServiceAccount({ id: request.params.id })),
  );

  app.patch<{ Params: typeof AccountId.static; Body: typeof AccountChanges.static }>(
    '/admin/v1/service-accounts/:id',
    {
      ...can('service-accounts:write'),
      schema: { ...adminApiKeySchemas.updateAccount, params: AccountId, body: AccountChanges },
    },
    async (request) => {
      const updated = await commands.updateServiceAccount({
        id: request.params.id,
        description: request.body.description,
        rateLimit: toRule(request.body.rate_limit),
        meta: meta(request),
      });
      return accountView(updated);
    },
  );

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post<{ Params: typeof AccountId.static }>(
      `/admin/v1/service-accounts/:id/${action}`,
      {
        ...can('service-accounts:write'),
        schema: { ...adminApiKeySchemas[`${action}Account`], params: AccountId },
      },
      async (request, reply) => {
        await commands.setServiceAccountDisabled({ id: request.params.id, disabled, meta: meta(request) });
        return reply.code(204).send();
      },
    );
  }

  app.delete<{ Params: typeof AccountId.static }>(
    '/admin/v1/service-accounts/:id',
    { ...can('service-accounts:write'), schema: { ...adminApiKeySchemas.deleteAccount, params: AccountId } },
    async (request, reply) => {
      await commands.deleteServiceAccount({ id: request.params.id, meta: meta(request) });
      return reply.code(204).send();
    },
  );

  /** Keys of any owner (a service account or a person). */
  app.get<{ Params: typeof AccountId.static }>(
    '/admin/v1/users/:id/api-keys',
    { ...can('api-keys:read'), schema: { ...adminApiKeySchemas.listKeys, params: AccountId } },
    async (request, reply) => {
      const user = await commands.getUser({ user: request.params.id });
      const keys = await commands.listApiKeys({ ownerId: user.id });
      return reply.header('cache-control', 'no-store').send({ api_keys: keys });
    },
  );

  app.post<{ Params: typeof AccountId.static; Body: typeof NewKeyBody.static }>(
    '/admin/v1/users/:id/api-keys',
    {
      ...manage('api-keys:write'),
      schema: { ...adminApiKeySchemas.createKey, params: AccountId, body: NewKeyBody },
    },
    async (request, reply) => {
      const user = await commands.getUser({ user: request.params.id });
      const created = await commands.createApiKey({
        ownerId: user.id,
        request: request.body,
        by: 'admin',
        meta: meta(request),
      });
      return sendNewKey(reply, created);
    },
  );

  app.get<{ Params: typeof KeyId.static }>(
    '/admin/v1/api-keys/:keyId',
    { ...can('api-keys:read'), schema: { ...adminApiKeySchemas.getKey, params: KeyId } },
    async (request, reply) =>
      reply
        .header('cache-control', 'no-store')
        .send(await commands.getApiKey({ keyId: request.params.keyId })),
  );

  app.post<{ Params: typeof KeyId.static; Body: typeof RotateBody.static }>(
    '/admin/v1/api-keys/:keyId/rotate',
    {
      ...manage('api-keys:write'),
      schema: { ...adminApiKeySchemas.rotateKey, params: KeyId, body: RotateBody },
    },
    async (request, reply) => {
      const created = await commands.rotateApiKey({
        keyId: request.params.keyId,
        overlapSeconds: request.body?.overlap_seconds ?? 0,
        meta: meta(request),
      });
      return sendNewKey(reply, created);
    },
  );

  app.delete<{ Params: typeof KeyId.static }>(
    '/admin/v1/api-keys/:keyId',
    { ...manage('api-keys:write'), schema: { ...adminApiKeySchemas.revokeKey, params: KeyId } },
    async (request, reply) => {
      await commands.revokeApiKey({ keyId: request.params.keyId, meta: meta(request) });
      return reply.code(204).send();
    },
  );
}
