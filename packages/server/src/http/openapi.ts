import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { SHARED_SCHEMAS } from './schemas/common.ts';
import { ENGINE_MOUNTS } from './schemas/oauth.ts';

/** One tag per area; the reference page (GET /docs/api) groups operations by them, in this order. */
export const API_TAGS = [
  { name: 'auth', description: 'Sign-in, sign-out and token-mode sessions.' },
  {
    name: 'account',
    description: 'The caller’s own identity, sessions, profile, password and email address.',
  },
  {
    name: 'account-lifecycle',
    description: 'Sign-up, email verification, forgot/reset password, email-change links, invitations.',
  },
  { name: 'api-keys', description: 'The caller’s own API keys.' },
  { name: 'tokens', description: 'First-party refresh and revocation (RFC 6749 §5.2 errors).' },
  { name: 'authzen', description: 'OpenID AuthZEN Authorization API 1.0 (PDP).' },
  { name: 'resource-servers', description: 'Introspection and the revocation feed, for guards.' },
  {
    name: 'oauth',
    description:
      'Gatehouse’s own OAuth pages and keys. The OAuth 2.0 / OpenID Connect endpoints themselves are the engine’s: see `/.well-known/openid-configuration`.',
  },
  { name: 'admin', description: 'Users, roles, sessions, access tokens, audit (/admin/v1).' },
  { name: 'admin-api-keys', description: 'Service accounts and API keys of any owner.' },
  { name: 'admin-clients', description: 'OAuth clients and grants.' },
  { name: 'admin-policies', description: 'Policy documents and decision explanations.' },
  { name: 'admin-incident', description: 'Incident levers: signing keys, mass sign-out.' },
  { name: 'health', description: 'Liveness and readiness.' },
  { name: 'meta', description: 'This document and its reference page.' },
] as const;

export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
}

const seen = new WeakMap<FastifyInstance, readonly RegisteredRoute[]>();

/** Every route registered after `installOpenApi`, documented or not (the CI check compares them). */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return seen.get(app) ?? [];
}

/**
 * Route schemas → OpenAPI 3.1 (`@fastify/swagger`, read at GET /openapi.json). Must run before the
 * routes are registered: the plugin collects them as they are added.
 *
 * Responses are serialised with JSON.stringify, exactly as without a schema: Fastify would
 * otherwise compile each response schema with fast-json-stringify, which drops members the schema
 * does not name and coerces types. The schemas document the bodies (and the tests check real
 * bodies against them); they never reshape one.
 */
export async function installOpenApi(app: FastifyInstance, issuer: string): Promise<void> {
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  const routes: RegisteredRoute[] = [];
  seen.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gatehouse HTTP API',
        version: '1',
        description:
          'Every JSON route of a Gatehouse server. Errors are RFC 9457 problem details except on the token endpoints, which answer RFC 6749 errors. The OAuth 2.0 / OpenID Connect endpoints (`/oauth/*`) are served by the OAuth engine and described by `/.well-known/openid-configuration`.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: issuer }],
      tags: API_TAGS.map((tag) => ({ ...tag })),
      externalDocs: {
        description: 'OAuth 2.0 / OpenID Connect endpoints (discovery document)',
        url: `${issuer}/.well-known/openid-configuration`,
      },
      components: {
        securitySchemes: {
          sessionCookie: {
            type: 'apiKey',
            in: 'cookie',
            name: '__Host-gatehouse_session',
            description:
              'Browser session. Unsafe methods also need `X-CSRF-Token` (or the form field `csrf`).',
          },
          bearerJwt: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'An access token Gatehouse signed (token mode or OAuth).',
          },
          dpop: {
            type: 'http',
            scheme: 'DPoP',
            description:
              'A DPoP-bound access token (RFC 9449) with its proof, for resource servers behind the guard.',
          },
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'gatehouse_… API key',
            description: 'An API key as `Authorization: Bearer gatehouse_…`.',
          },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          resourceServer: {
            type: 'http',
            scheme: 'bearer',
            description: 'The resource-server secret (GATEHOUSE_INTROSPECTION_SECRET).',
          },
        },
      },
    },
    // Shared schemas appear under their own names (components/schemas/Problem), not def-0.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    // The engine's mounts are described by its discovery document, not here.
    transform: ({ schema, url }) =>
      ENGINE_MOUNTS.includes(url) ? { schema: { ...schema, hide: true }, url } : { schema, url },
  });
}
