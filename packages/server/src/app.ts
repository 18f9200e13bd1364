import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import { GatehouseError } from '@gatehouse/core';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import { createCommands } from './commands/index.ts';
import type { Gatehouse } from './gatehouse.ts';
import { type ConnectionDrain, connectionDrain } from './http/connection-drain.ts';
import { engineLane } from './http/engine-lane.ts';
import { lazyValidatorFactory } from './http/lazy-validation.ts';
import { installMethodGuard } from './http/method-guard.ts';
import { installOpenApi } from './http/openapi.ts';
import { errorHandler, sendProblem } from './http/problem.ts';
import { proxyTrust } from './http/proxy-trust.ts';
import { lazyRequestLogger } from './http/request-logger.ts';
import { requestIdFrom } from './http/request-meta.ts';
import { installSecurityHeaders, securityHeaders } from './http/security-headers.ts';
import { accountRoutes } from './routes/account.ts';
import { accountApplicationRoutes } from './routes/account-applications.ts';
import { accountEmailRoutes } from './routes/account-email.ts';
import { accountLinkRoutes } from './routes/account-links.ts';
import { accountMfaRoutes } from './routes/account-mfa.ts';
import { accountMfaFormRoutes } from './routes/account-mfa-forms.ts';
import { adminRoutes } from './routes/admin.ts';
import { adminAccountLifecycleRoutes } from './routes/admin-account-lifecycle.ts';
import { adminApiKeyRoutes } from './routes/admin-api-keys.ts';
import { adminClientRoutes } from './routes/admin-clients.ts';
import { adminIncidentRoutes } from './routes/admin-incident.ts';
import { adminPolicyRoutes } from './routes/admin-policies.ts';
import { adminUserImportRoutes } from './routes/admin-user-import.ts';
import { apiKeyIntrospectionRoutes } from './routes/api-key-introspection.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { authzenRoutes } from './routes/authzen.ts';
import { authzenSearchRoutes } from './routes/authzen-search.ts';
import { devMailRoutes } from './routes/dev-mail.ts';
import { healthRoutes } from './routes/health.ts';
import { introspectionRoutes } from './routes/introspection.ts';
import { jwksRoutes } from './routes/jwks.ts';
import { loginRoutes } from './routes/login.ts';
import { loginMfaRoutes } from './routes/login-mfa.ts';
import { logoutRoutes } from './routes/logout.ts';
import { oauthRoutes } from './routes/oauth.ts';
import { oauthInteractionRoutes } from './routes/oauth-interactions.ts';
import { openApiRoutes } from './routes/openapi.ts';
import { passwordResetRoutes } from './routes/password-reset.ts';
import { signUpRoutes } from './routes/sign-up.ts';
import { tokenRoutes } from './routes/tokens.ts';

/** The HTTP edge: Fastify, wired to one Gatehouse node. No domain logic lives here. */
export async function buildApp(gatehouse: Gatehouse): Promise<FastifyInstance> {
  const { config } = gatehouse;
  await gatehouse.oauth.preload();
  const secureIssuer = config.issuer.startsWith('https://');
  const trust = proxyTrust(config.trustProxy);
  let closing = false;
  let connections: ConnectionDrain | undefined;
  const lane = engineLane({
    issuer: new URL(config.issuer),
    trust,
    httpsOnly: config.nodeEnv === 'production',
    securityHeaders: securityHeaders({ hsts: secureIssuer }),
    engine: () =>
      gatehouse.oauth.currentIfChecked()?.handle ??
      gatehouse.oauth.current().then((mounted) => mounted.handle),
    logger: gatehouse.logger,
    closing: () => closing,
  });
  const app = Fastify({
    loggerInstance: gatehouse.logger as FastifyBaseLogger,
    // Fastify's own request lines would log full URLs (query strings); ours log the path only.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    trustProxy: trust,
    // The OAuth engine's machine endpoints skip Fastify (engine-lane.ts); the rest is Fastify's.
    // The timeouts are Fastify's defaults, which it applies only to servers it makes itself.
    serverFactory: (handler) => {
      const server = createServer((req, res) => {
        if (!lane(req, res)) handler(req, res);
      });
      server.keepAliveTimeout = 72_000;
      connections = connectionDrain(server);
      return server;
    },
    bodyLimit: 64 * 1024,
    requestIdHeader: false,
    genReqId: (req) => requestIdFrom(req.headers['x-request-id'], randomUUID),
    return503OnClosing: true,
    routerOptions: { maxParamLength: 128 },
    // No type coercion (`"password": true` is a 400, not "true") and unknown members are refused, not silently dropped.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    // Each route's schemas are compiled on its first request, not all at start-up.
    schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory() } },
  });
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // serverFactory ran inside Fastify(): the drain exists.
  app.decorate('connections', connections as ConnectionDrain);
  app.decorateRequest('session', null);
  app.decorateRequest('bearer', null);
  app.decorateRequest('apiKey', null);
  // JSON endpoints must not accept "simple" bodies a cross-site form could send.
  app.removeContentTypeParser('text/plain');
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: 16 * 1024 });
  app.setErrorHandler((error, request, reply) =>
    errorHandler(error as FastifyError, request, reply, () => gatehouse.storeHealth.suspect()),
  );
  installMethodGuard(app);
  await installOpenApi(app, config.issuer);
  installSecurityHeaders(app, { hsts: secureIssuer });

  // Over plain http in production only pages are redirected; APIs are refused, never redirected.
  if (config.nodeEnv === 'production') {
    app.addHook('onRequest', (request, reply, done) => {
      if (request.protocol === 'https' || request.url === '/healthz' || request.url === '/readyz')
        return done();
      if (request.method === 'GET' && String(request.headers.accept ?? '').includes('text/html')) {
        reply.code(301).header('location', `${config.issuer}${request.url}`).send();
        return;
      }
      sendProblem(reply, new GatehouseError('https_required'));
    });
  }

  // The request line, written by the root logger with the request id first: the same line the
  // request's child would write, without making one (and nothing at all below info).
  const logger = gatehouse.logger;
  app.addHook('onResponse', (request, reply, done) => {
    if (logger.isLevelEnabled('info')) {
      const url = request.url;
      const query = url.indexOf('?');
      logger.info(
        {
          reqId: request.id,
          method: request.method,
          path: query === -1 ? url : url.slice(0, query),
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request',
      );
    }
    done();
  });

  const commands = createCommands(gatehouse);
  healthRoutes(app, gatehouse);
  devMailRoutes(app, gatehouse);
  loginRoutes(app, gatehouse, commands);
  loginMfaRoutes(app, gatehouse, commands);
  logoutRoutes(app, gatehouse, commands);
  accountRoutes(app, gatehouse, commands);
  accountMfaRoutes(app, gatehouse, commands);
  accountMfaFormRoutes(app, gatehouse, commands);
  signUpRoutes(app, gatehouse, commands);
  passwordResetRoutes(app, gatehouse, commands);
  accountLinkRoutes(app, gatehouse, commands);
  accountEmailRoutes(app, gatehouse, commands);
  adminRoutes(app, gatehouse, commands);
  adminAccountLifecycleRoutes(app, gatehouse, commands);
  adminUserImportRoutes(app, gatehouse, commands);
  introspectionRoutes(app, gatehouse);
  tokenRoutes(app, gatehouse, commands);
  jwksRoutes(app, gatehouse.keyRing);
  authzenRoutes(app, gatehouse, commands);
  apiKeyRoutes(app, gatehouse, commands);
  adminApiKeyRoutes(app, gatehouse, commands);
  apiKeyIntrospectionRoutes(app, gatehouse);
  adminPolicyRoutes(app, gatehouse, commands);
  authzenSearchRoutes(app, gatehouse, commands);
  oauthRoutes(app, gatehouse);
  oauthInteractionRoutes(app, gatehouse);
  adminClientRoutes(app, gatehouse, commands);
  adminIncidentRoutes(app, gatehouse, commands);
  accountApplicationRoutes(app, gatehouse, commands);
  openApiRoutes(app);
  return app;
}
