import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Gatehouse } from '../gatehouse.ts';
import { hijackForEngine, pinToIssuer } from '../http/engine-lane.ts';

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
