import { Type } from '@sinclair/typebox';
import { OAUTH_ROUTES } from '../../oauth/routes.ts';
import { empty, json, page, problems, SECURITY } from './common.ts';

/**
 * Routes that hand the request to the OAuth engine (oidc-provider) untouched: its endpoints are
 * described by its discovery document (`/.well-known/openid-configuration`), so this document
 * leaves them out and links there instead.
 */
export const ENGINE_MOUNTS: readonly string[] = [
  '/oauth/*',
  OAUTH_ROUTES.authorization,
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
];

const Jwk = Type.Object(
  { kty: Type.String(), kid: Type.String(), alg: Type.String(), use: Type.Optional(Type.String()) },
  { description: 'Public members only (RFC 7517).' },
);

const interaction = (summary: string) => ({
  tags: ['oauth'],
  summary,
  description:
    'A step of an OAuth authorization, answered with a page or a redirect back to the engine (which then redirects to the client).',
});

export const oauthSchemas = {
  jwks: {
    tags: ['oauth'],
    summary: 'Signing keys verifiers may meet (JWKS)',
    security: SECURITY.none,
    response: {
      200: json(Type.Object({ keys: Type.Array(Jwk) }), 'The key set (cacheable 60 s, any origin).'),
    },
  },
  interaction: {
    ...interaction('Login or consent step of an authorization'),
    security: SECURITY.none,
    response: {
      200: page('The consent page.'),
      303: empty('To the login page, or on to the engine.'),
      400: page('The request has expired.'),
    },
  },
  consent: {
    ...interaction('Allow or deny the consent'),
    security: SECURITY.session,
    consumes: ['application/x-www-form-urlencoded'],
    response: {
      303: empty('Back to the engine, then the client.'),
      400: page('The request has expired.'),
      ...problems(401, 403),
    },
  },
  cancel: {
    ...interaction('Cancel the sign-in of an authorization'),
    security: SECURITY.none,
    consumes: ['application/x-www-form-urlencoded'],
    response: {
      303: empty('Back to the engine, then the client with access_denied.'),
      400: page('The request has expired.'),
      ...problems(403),
    },
  },
};
