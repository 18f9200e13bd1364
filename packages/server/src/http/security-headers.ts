import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const NONCE = Symbol('cspNonce');

declare module 'fastify' {
  interface FastifyRequest {
    /** Per-response CSP nonce for the page's inline style. */
    readonly cspNonce: string;
  }
}

/**
 * Security headers on every response (checklist HDR-01..04), set once per request by a synchronous
 * hook (an async onSend hook costs a third of the throughput of a small JSON route). No `Server` or
 * `X-Powered-By` banner is ever set. Pages add their own CSP through `sendPage`.
 */
export function installSecurityHeaders(app: FastifyInstance, options: { hsts: boolean }): void {
  // Made on first use: only pages need one, so API responses pay nothing for it.
  app.decorateRequest('cspNonce', {
    getter(this: FastifyRequest & { [NONCE]?: string }) {
      this[NONCE] ??= randomBytes(16).toString('base64');
      return this[NONCE];
    },
  });
  const fixed = securityHeaders(options);
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(fixed);
    reply.header('x-request-id', request.id);
    done();
  });
}

/** The headers every response carries, whichever way it is answered (engine-lane.ts too). */
export function securityHeaders(options: { hsts: boolean }): Readonly<Record<string, string>> {
  return {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    ...(options.hsts ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/**
 * Sends a server-rendered page: no script at all, one nonce'd style block, nothing from another
 * origin, no framing, never cached. `formTargets` lists the other places a form on the page may
 * end up (browsers apply `form-action` to the redirects after a submission too: the OAuth consent
 * form lands on the client's redirect URI).
 */
export function sendPage(
  request: FastifyRequest,
  reply: FastifyReply,
  html: string,
  status = 200,
  formTargets: readonly string[] = [],
): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .header('content-security-policy', pageCsp(request.cspNonce, formTargets))
    .type('text/html; charset=utf-8')
    .send(html);
}

/** The pages' CSP: no script, one nonce'd style block, forms to Gatehouse and `formTargets` only. */
export function pageCsp(nonce: string, formTargets: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'none'",
    `style-src 'nonce-${nonce}'`,
    "img-src 'self'",
    ["form-action 'self'", ...formTargets].join(' '),
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}
