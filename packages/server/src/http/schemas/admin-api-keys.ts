import { Type } from '@sinclair/typebox';
import { adminOperation } from './admin.ts';
import { ApiKeyList, ApiKeyView, NewApiKey } from './api-keys.ts';
import { empty, ISO_DATE, json, problems, RateLimit } from './common.ts';

const ServiceAccount = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  disabled: Type.Boolean(),
  rate_limit: Type.Union([RateLimit, Type.Null()]),
  created_at: ISO_DATE,
  roles: Type.Array(Type.String()),
});

const op = (summary: string, permission: string) => adminOperation('admin-api-keys', summary, permission);
/** Key management itself is never done with a key, whatever its scopes. */
const manage = (summary: string, permission: string) => ({
  ...op(summary, permission),
  description: `Needs the permission \`${permission}\`; never with an API key (403).`,
});
const write = problems(400, 401, 403, 404);

export const adminApiKeySchemas = {
  listAccounts: {
    ...op('List service accounts', 'service-accounts:read'),
    response: {
      200: json(Type.Object({ service_accounts: Type.Array(ServiceAccount) }), 'The accounts.'),
      ...problems(401, 403),
    },
  },
  createAccount: {
    ...op('Create a service account', 'service-accounts:write'),
    response: { 201: json(ServiceAccount, 'The account.'), ...problems(400, 401, 403, 409) },
  },
  getAccount: {
    ...op('A service account', 'service-accounts:read'),
    response: { 200: json(ServiceAccount, 'The account.'), ...write },
  },
  updateAccount: {
    ...op('Change a service account', 'service-accounts:write'),
    response: { 200: json(ServiceAccount, 'The account.'), ...write },
  },
  disableAccount: {
    ...op('Disable a service account', 'service-accounts:write'),
    response: { 204: empty('Disabled.'), ...write },
  },
  enableAccount: {
    ...op('Enable a service account', 'service-accounts:write'),
    response: { 204: empty('Enabled.'), ...write },
  },
  deleteAccount: {
    ...op('Delete a service account', 'service-accounts:write'),
    response: { 204: empty('Deleted.'), ...write },
  },
  listKeys: {
    ...op('API keys of an owner', 'api-keys:read'),
    response: { 200: json(ApiKeyList, 'The keys.'), ...write },
  },
  createKey: {
    ...manage('Create an API key for an owner', 'api-keys:write'),
    response: { 201: json(NewApiKey, 'The key, shown once.'), ...write },
  },
  getKey: {
    ...op('An API key', 'api-keys:read'),
    response: { 200: json(ApiKeyView, 'The key (never its secret).'), ...write },
  },
  rotateKey: {
    ...manage('Rotate an API key', 'api-keys:write'),
    response: { 201: json(NewApiKey, 'The successor, shown once.'), ...write },
  },
  revokeKey: {
    ...manage('Revoke an API key', 'api-keys:write'),
    response: { 204: empty('Revoked.'), ...write },
  },
};
