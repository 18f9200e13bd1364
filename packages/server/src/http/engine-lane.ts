import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { ENGINE_POST_ROUTES } from '../oauth/routes.ts';
import { isStoreFailure } from '../stores/store-failure.ts';
import { problemResponse } from './problem.ts';
import { clientAddress, type ProxyTrust, requestProtocol } from './proxy-trust.ts';
import { requestIdFrom } from './request-meta.ts';

export type EngineHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface EngineLaneOptions {
  readonly issuer: URL;
  readonly trust: ProxyTrust;
  /** Production: plain-http requests are left to the HTTP stack, which refuses them. */
  readonly httpsOnly: boolean;
  /** The headers every Gatehouse response carries (security-headers.ts). */
  readonly securityHeaders: Readonly<Record<string, string>>;
  /** The engine's handler: at once while it is ready, else once it is (first use, new keys). */
  readonly engine: () => EngineHandler | Promise<EngineHandler>;
  readonly logger: Logger;
  /** True once the server is shutting down: requests then go to the stack, which answers 503. */
  readonly closing: () => boolean;
}

/**
 * Hands the engine's machine endpoints (token, introspection, revocation, device authorization,
 * PAR) to it straight from Node's HTTP server: the engine parses, authenticates and answers them
 * itself, so Fastify's routing, hooks and per-request objects would only add cost to the busiest
 * OAuth route. What those hooks do for every response is done here the same way — security headers,
 * request id, access log, the https rule, host pinning (`pinToIssuer`). Returns false for anything
 * else, which the caller passes to Fastify.
 */
export function engineLane(
  options: EngineLaneOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { issuer, trust, securityHeaders, logger } = options;
  const headerNames = Object.keys(securityHeaders);
  const fail = (res: ServerResponse, requestId: string, error: unknown) => {
    // A store that did not answer is a 503 (store health logs the outage once), anything else a 500.
    const unavailable = isStoreFailure(error);
    if (unavailable) logger.debug({ reqId: requestId }, 'store unavailable for this request');
    else logger.error({ err: error, reqId: requestId }, 'unhandled error');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const problem = problemResponse(unavailable ? 'unavailable' : 'internal', {
      requestId,
      ...(unavailable ? { retryAfterSeconds: 2 } : {}),
    });
    res.statusCode = problem.status;
    for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
    res.end(problem.body);
  };
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (!ENGINE_POST_ROUTES.has(path) || options.closing()) return false;
    if (options.httpsOnly && requestProtocol(req, trust) !== 'https') return false;
    const requestId = requestIdFrom(req.headers['x-request-id'], randomUUID);
    for (const name of headerNames) res.setHeader(name, securityHeaders[name] as string);
    res.setHeader('x-request-id', requestId);
    pinToIssuer(req, issuer, clientAddress(req, trust));
    if (logger.isLevelEnabled('info')) logWhenFinished(logger, req, res, requestId, path);
    // One anonymous closure per request: this is the busiest OAuth route, and a named one would
    // also get its name redefined per call when run through tsx (esbuild's keepNames).
    try {
      const engine = options.engine();
      const handled =
        typeof engine === 'function' ? engine(req, res) : engine.then((handle) => handle(req, res));
      handled.catch((error: unknown) => fail(res, requestId, error));
    } catch (error) {
      fail(res, requestId, error);
    }
    return true;
  };
}

function logWhenFinished(
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  path: string,
): void {
  const started = performance.now();
  res.once('finish', () =>
    logger.info(
      {
        reqId: requestId,
        method: req.method,
        path,
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      'request',
    ),
  );
}

/**
 * The engine builds every URL it emits (discovery, redirects, form targets) from the request's
 * host and scheme. Pin them to the issuer, so no forged Host or X-Forwarded-* header can rewrite
 * them; the client address is the one resolved under GATEHOUSE_TRUST_PROXY.
 */
export function pinToIssuer(req: IncomingMessage, issuer: URL, ip: string): void {
  const headers = req.headers;
  headers.host = issuer.host;
  headers['x-forwarded-host'] = issuer.host;
  headers['x-forwarded-proto'] = issuer.protocol.slice(0, -1);
  headers['x-forwarded-for'] = ip;
}

/**
 * Takes the response away from Fastify for the engine to write, keeping the headers Fastify's
 * hooks already set (security headers, request id).
 */
export function hijackForEngine(reply: FastifyReply): void {
  reply.hijack();
  for (const [name, value] of Object.entries(reply.getHeaders()))
    if (value !== undefined) reply.raw.setHeader(name, value as string);
}
