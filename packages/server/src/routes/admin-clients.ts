import { GatehouseError } from '@gatehouse/core';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Commands } from '../commands/index.ts';
import type { Gatehouse } from '../gatehouse.ts';
import { callerUser, requireCaller, requirePermission } from '../http/authenticate.ts';
import { requestMeta } from '../http/request-meta.ts';
import { adminClientSchemas } from '../http/schemas/admin-clients.ts';
import type { ClientInput } from '../oauth/client-registry.ts';

const ClientId = Type.Object({ id: Type.String({ pattern: '^c_[A-Za-z0-9_-]{1,64}$' }) });
const UserId = Type.Object({ id: Type.String({ pattern: '^[a-f0-9]{32}$' }) });
const UriList = Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 50 });
const NewClient = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    type: Type.Union([Type.Literal('confidential'), Type.Literal('public')]),
    redirect_uris: Type.Optional(UriList),
    post_logout_redirect_uris: Type.Optional(UriList),
    grant_types: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 10 })),
    scopes: Type.Optional(Type.Array(Type.String({ maxLength: 128 }), { maxItems: 50 })),
    resources: Type.Optional(UriList),
    audience: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
    // Where a secret travels: the Basic header (default) or the body; the other way is refused.
    // RS256 ID tokens (OpenID Connect Discovery requires it); by default the server's algorithm.
    id_token_signed_response_alg: Type.Optional(Type.Union([Type.Literal('RS256'), Type.Null()])),
    token_endpoint_auth_method: Type.Optional(
      Type.Union([Type.Literal('client_secret_basic'), Type.Literal('client_secret_post')]),
    ),
    jwks: Type.Optional(
      Type.Object(
        { keys: Type.Array(Type.Record(Type.String(), Type.Unknown()), { minItems: 1, maxItems: 10 }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/**
 * As an API key's rotation: the old secret stops at once (default) or after the overlap (≤ 30
 * days). The body is optional (a bare POST rotates at once, as before overlaps), so it is checked
 * here rather than by the route's schema.
 */
const RotateSecretBody = Type.Object(
  { overlap_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 * 86_400 })) },
  { additionalProperties: false },
);

function rotateSecretBody(body: unknown): typeof RotateSecretBody.static {
  const value = body ?? {};
  if (!Value.Check(RotateSecretBody, value))
    throw new GatehouseError('invalid_request', {
      detail: 'overlap_seconds must be an integer from 0 to 2592000 (30 days).',
    });
  return value;
}

const RegistrationTokenBody = Type.Optional(
  Type.Object(
    { expires_in: Type.Optional(Type.Integer({ minimum: 60, maximum: 30 * 24 * 3600 })) },
    { additionalProperties: false },
  ),
);

/**
 * OAuth clients under the admin API: `clients:read` to list, `clients:write` to register, rotate
 * a secret or delete. A secret appears once, in the answer that created it (never cached).
 */
export function adminClientRoutes(app: FastifyInstance, gatehouse: Gatehouse, commands: Commands): void {
  const caller = requireCaller(gatehouse);
  const can = (permission: string) => ({ preHandler: [caller, requirePermission(gatehouse, permission)] });
  const meta = (request: FastifyRequest) => requestMeta(request, callerUser(request)?.id);
  const withSecret = (reply: FastifyReply, status: number, body: object) =>
    reply.code(status).header('cache-control', 'no-store').header('pragma', 'no-cache').send(body);

  app.get('/admin/v1/clients', { ...can('clients:read'), schema: adminClientSchemas.list }, async () => ({
    clients: await commands.listClients(),
  }));

  app.get<{ Params: typeof ClientId.static }>(
    '/admin/v1/clients/:id',
    { ...can('clients:read'), schema: { ...adminClientSchemas.get, params: ClientId } },
    async (request) => commands.getClient({ clientId: request.params.id }),
  );

  app.post<{ Body: typeof NewClient.static }>(
    '/admin/v1/clients',
    { ...can('clients:write'), schema: { ...adminClientSchemas.create, body: NewClient } },
    async (request, reply) => {
      const body = request.body;
      const client: ClientInput = {
        name: body.name,
        type: body.type,
        redirectUris: body.redirect_uris,
        postLogoutRedirectUris: body.post_logout_redirect_uris,
        grantTypes: body.grant_types,
        scopes: body.scopes,
        resources: body.resources,
        audience: body.audience,
        jwks: body.jwks,
        idTokenAlg: body.id_token_signed_response_alg,
        secretIn:
          body.token_endpoint_auth_method === undefined
            ? undefined
            : body.token_endpoint_auth_method === 'client_secret_post'
              ? 'body'
              : 'header',
      };
      const issued = await commands.createClient({ client, meta: meta(request) });
      return withSecret(reply, 201, {
        ...issued.client,
        ...(issued.secret === null ? {} : { client_secret: issued.secret }),
      });
    },
  );

  /** An initial access token for RFC 7591 registration (when GATEHOUSE_OAUTH_DYNAMIC_REGISTRATION is on). */
  app.post<{ Body: typeof RegistrationTokenBody.static }>(
    '/admin/v1/clients/registration-tokens',
    {
      ...can('clients:write'),
      schema: { ...adminClientSchemas.registrationToken, body: RegistrationTokenBody },
    },
    async (request, reply) => {
      const ttl = request.body?.expires_in ?? 3600;
      const token = await commands.createRegistrationToken({ ttlSeconds: ttl });
      return withSecret(reply, 201, { initial_access_token: token, expires_in: ttl });
    },
  );

  /** A user's connected applications, as the user sees them. */
  app.get<{ Params: typeof UserId.static }>(
    '/admin/v1/users/:id/oauth-grants',
    { ...can('users:read'), schema: { ...adminClientSchemas.grants, params: UserId } },
    async (request) => ({ grants: await commands.listUserGrants({ user: request.params.id }) }),
  );

  /** Ends every grant of a user (a compromised account): refresh tokens at once, JWTs via the feed. */
  app.delete<{ Params: typeof UserId.static }>(
    '/admin/v1/users/:id/oauth-grants',
    { ...can('tokens:revoke'), schema: { ...adminClientSchemas.revokeGrants, params: UserId } },
    async (request) => commands.revokeUserGrants({ user: request.params.id, meta: meta(request) }),
  );

  app.post<{ Params: typeof ClientId.static }>(
    '/admin/v1/clients/:id/rotate-secret',
    { ...can('clients:write'), schema: { ...adminClientSchemas.rotateSecret, params: ClientId } },
    async (request, reply) => {
      const overlapSeconds = rotateSecretBody(request.body).overlap_seconds ?? 0;
      const { client, secret } = await commands.rotateClientSecret({
        clientId: request.params.id,
        overlapSeconds,
        meta: meta(request),
      });
      return withSecret(reply, 200, { ...client, client_secret: secret });
    },
  );

  /** Ends a rotation's overlap early: the previous secret stops working now. */
  app.delete<{ Params: typeof ClientId.static }>(
    '/admin/v1/clients/:id/previous-secret',
    { ...can('clients:write'), schema: { ...adminClientSchemas.revokePreviousSecret, params: ClientId } },
    async (request) =>
      commands.revokePreviousClientSecret({ clientId: request.params.id, meta: meta(request) }),
  );

  app.delete<{ Params: typeof ClientId.static }>(
    '/admin/v1/clients/:id',
    { ...can('clients:write'), schema: { ...adminClientSchemas.delete, params: ClientId } },
    async (request, reply) => {
      await commands.deleteClient({ clientId: request.params.id, meta: meta(request) });
      return reply.code(204).send();
    },
  );
}
