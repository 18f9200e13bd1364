import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const NONCE = Symbol('cspNonce');

declare module 'fastify' {
  interface FastifyRequest {
    /** Per-response CSP nonce for the page's inline style. */
    readonly cspNonce: string;
  }
}

/**
 * Security headers on every response (checklist HDR-01..04). HTML gets a strict CSP with a nonce:
 * no script at all, no third-party origin, no framing. HSTS is sent whenever the issuer is https.
 * No `Server` or `X-Powered-By` banner is ever set.
 */
export function installSecurityHeaders(app: FastifyInstance, options: { hsts: boolean }): void {
  // Made on first use: only pages need one, so API responses pay nothing for it.
  app.decorateRequest('cspNonce', {
    getter(this: FastifyRequest & { [NONCE]?: string }) {
      this[NONCE] ??= randomBytes(16).toString('base64');
      return this[NONCE];
    },
  });
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    reply.header('x-request-id', request.id);
    if (options.hsts) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      reply.header(
        'content-security-policy',
        [
          "default-src 'none'",
          "script-src 'none'",
          `style-src 'nonce-${request.cspNonce}'`,
          "img-src 'self'",
          "form-action 'self'",
          "frame-ancestors 'none'",
          "base-uri 'none'",
          "object-src 'none'",
        ].join('; '),
      );
    }
    return payload;
  });
}
