import { Type } from '@sinclair/typebox';
import { ConnectedApplication } from './account.ts';
import { adminOperation } from './admin.ts';
import { empty, ISO_DATE, json, problems } from './common.ts';

/** A client as the admin API shows it: never the secret or its hash (oauth/client-view.ts). */
const Client = Type.Object({
  client_id: Type.String(),
  name: Type.String(),
  type: Type.Union([Type.Literal('confidential'), Type.Literal('public')]),
  redirect_uris: Type.Array(Type.String()),
  post_logout_redirect_uris: Type.Array(Type.String()),
  grant_types: Type.Array(Type.String()),
  scopes: Type.Array(Type.String()),
  resources: Type.Array(Type.String()),
  audience: Type.Union([Type.String(), Type.Null()]),
  token_endpoint_auth_method: Type.String(),
  id_token_signed_response_alg: Type.Optional(Type.String()),
  jwks: Type.Optional(Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) })),
  previous_secret_expires_at: Type.Optional(ISO_DATE),
  created_at: ISO_DATE,
  updated_at: ISO_DATE,
});

const WithSecret = Type.Composite([
  Client,
  Type.Object({ client_secret: Type.String({ description: 'Shown once.' }) }),
]);

const op = (summary: string, permission: string) =>
  adminOperation('admin-clients', summary, permission, false);
const write = problems(400, 401, 403, 404);

export const adminClientSchemas = {
  list: {
    ...op('List OAuth clients', 'clients:read'),
    response: {
      200: json(Type.Object({ clients: Type.Array(Client) }), 'The clients.'),
      ...problems(401, 403),
    },
  },
  get: { ...op('An OAuth client', 'clients:read'), response: { 200: json(Client, 'The client.'), ...write } },
  create: {
    ...op('Register an OAuth client', 'clients:write'),
    response: {
      201: json(
        Type.Composite([Client, Type.Object({ client_secret: Type.Optional(Type.String()) })]),
        'The client; a confidential client’s secret, shown once.',
      ),
      ...problems(400, 401, 403),
    },
  },
  registrationToken: {
    ...op('An initial access token for dynamic registration (RFC 7591)', 'clients:write'),
    description:
      'Needs the permission `clients:write`; 404 while GATEHOUSE_OAUTH_DYNAMIC_REGISTRATION is off.',
    response: {
      201: json(
        Type.Object({ initial_access_token: Type.String(), expires_in: Type.Integer() }),
        'The token, shown once.',
      ),
      ...problems(400, 401, 403, 404),
    },
  },
  grants: {
    ...op('A user’s connected applications', 'users:read'),
    response: {
      200: json(Type.Object({ grants: Type.Array(ConnectedApplication) }), 'The grants.'),
      ...write,
    },
  },
  revokeGrants: {
    ...op('End every grant of a user', 'tokens:revoke'),
    response: { 200: json(Type.Object({ revoked: Type.Integer() }), 'How many grants ended.'), ...write },
  },
  rotateSecret: {
    ...op('Rotate a client secret (the old one may overlap up to 30 days)', 'clients:write'),
    response: { 200: json(WithSecret, 'The client and its new secret, shown once.'), ...write },
  },
  revokePreviousSecret: {
    ...op('End a rotation’s overlap now', 'clients:write'),
    response: { 200: json(Client, 'The client.'), ...write },
  },
  delete: {
    ...op('Delete an OAuth client', 'clients:write'),
    response: { 204: empty('Deleted.'), ...write },
  },
};
