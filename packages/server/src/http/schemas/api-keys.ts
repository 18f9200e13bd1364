import { Type } from '@sinclair/typebox';
import { empty, ISO_DATE, json, NULLABLE_ISO_DATE, page, problems, RateLimit, SECURITY } from './common.ts';

/** An API key as listings show it: never the secret or its hash (routes/api-key-views.ts). */
export const ApiKeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  owner_id: Type.String(),
  prefix: Type.String(),
  last_four: Type.String(),
  scopes: Type.Array(Type.String()),
  status: Type.Union(['active', 'rotating', 'expired', 'revoked'].map((s) => Type.Literal(s))),
  created_at: ISO_DATE,
  expires_at: NULLABLE_ISO_DATE,
  revoked_at: NULLABLE_ISO_DATE,
  replaced_by: Type.Union([Type.String(), Type.Null()]),
  last_used_at: NULLABLE_ISO_DATE,
  last_used_ip: Type.Union([Type.String(), Type.Null()]),
  rate_limit: Type.Union([RateLimit, Type.Null()]),
  allowed_cidrs: Type.Union([Type.Array(Type.String()), Type.Null()]),
});

/** The one answer that carries the key (201, never cached). */
export const NewApiKey = Type.Composite([
  ApiKeyView,
  Type.Object({ key: Type.String({ description: 'Shown once.' }) }),
]);

export const ApiKeyList = Type.Object({ api_keys: Type.Array(ApiKeyView) });

const own = (summary: string) => ({
  tags: ['api-keys'],
  summary,
  description: 'An API key itself is refused here (403): a leaked key must not mint more.',
  security: SECURITY.caller,
});

export const apiKeySchemas = {
  list: {
    ...own('The caller’s API keys'),
    response: { 200: json(ApiKeyList, 'The keys.'), ...problems(401, 403) },
  },
  create: {
    ...own('Create an API key'),
    response: { 201: json(NewApiKey, 'The key, shown once.'), ...problems(400, 401, 403) },
  },
  rotate: {
    ...own('Rotate an API key (the old one may overlap)'),
    response: { 201: json(NewApiKey, 'The successor, shown once.'), ...problems(400, 401, 403, 404) },
  },
  revoke: {
    ...own('Revoke an API key'),
    response: { 204: empty('Revoked.'), ...problems(401, 403, 404) },
  },
  createForm: {
    ...own('Create an API key (the account page’s form)'),
    security: SECURITY.session,
    consumes: ['application/x-www-form-urlencoded'],
    response: {
      201: page('The key, shown once.'),
      303: empty('Invalid input: back to the account page.'),
      ...problems(401, 403),
    },
  },
  revokeForm: {
    ...own('Revoke an API key (the account page’s form)'),
    security: SECURITY.session,
    consumes: ['application/x-www-form-urlencoded'],
    response: { 303: empty('Back to the account page.'), ...problems(401, 403, 404) },
  },
};
