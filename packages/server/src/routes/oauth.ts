import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../gatehouse.ts';
import { hijackForEngine, pinToIssuer } from '../http/engine-lane.ts';
import { OAUTH_ROUTES } from '../oauth/routes.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'OPTIONS'] as const;

/**
 * Mounts the OAuth engine (oidc-provider, a Koa app) inside Fastify: `/oauth/*` and OpenID
 * discovery go to it untouched — its own body parser reads the stream, so this scope registers no
 * parser — after Fastify's hooks (security headers, https enforcement) have run. The RFC 8414
 * metadata document is the same document under its own well-known name. The engine's POST-only
 * machine endpoints normally arrive through the engine lane instead (http/engine-lane.ts); these
 * routes still answer them when the lane declines (shutting down, plain http in production).
 */
export function oauthRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  const issuer = new URL(gatehouse.config.issuer);
  const handOver = async (request: FastifyRequest, reply: FastifyReply, url?: string) => {
    const { handle } = await gatehouse.oauth.current();
    pinToIssuer(request.raw, issuer, request.ip);
    hijackForEngine(reply);
    if (url !== undefined) request.raw.url = url;
    await handle(request.raw, reply.raw);
  };

  // OpenID Connect Core §3.1.2.1: the authorization endpoint takes POST too, form-encoded. The
  // engine serves POST only with SameSite=None cookies (its `enableHttpPostMethods`), which
  // Gatehouse does not use, so the form's parameters are handed to the engine as the GET request
  // they are equivalent to (the engine reads a POST's parameters from the body alone, so the
  // query of a POST is dropped as it would be). Nothing is redirected: the parameters never reach
  // a URL the browser or a log sees. A cross-site POST carries no SameSite=Lax cookie; the login
  // step then finds the Gatehouse session on its own (GET) request, as single sign-on does, and
  // state and PKCE protect the client as for GET. No CSRF check applies: it is a navigation target.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 16 * 1024 },
      (_request, body, done) => done(null, body),
    );
    scope.post<{ Body: string | undefined }>(OAUTH_ROUTES.authorization, (request, reply) => {
      // Re-encoded: the query then means exactly what the form said, repeated parameters included.
      const query = new URLSearchParams(request.body ?? '').toString();
      request.raw.method = 'GET';
      // The access log (onResponse, on 'finish') tells the method the client used.
      reply.raw.prependOnceListener('finish', () => {
        request.raw.method = 'POST';
      });
      return handOver(request, reply, `${OAUTH_ROUTES.authorization}?${query}`);
    });
  });

  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    scope.route({
      method: [...METHODS],
      url: '/oauth/*',
      handler: (request, reply) => handOver(request, reply),
    });
    scope.route({
      method: [...METHODS],
      url: '/.well-known/openid-configuration',
      handler: (request, reply) => handOver(request, reply),
    });
    scope.route({
      method: [...METHODS],
      url: '/.well-known/oauth-authorization-server',
      handler: (request, reply) => handOver(request, reply, '/.well-known/openid-configuration'),
    });
  });
}
