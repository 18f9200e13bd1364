import type { RequestMeta } from '@gatehouse/core';
import type { FastifyRequest } from 'fastify';

/** Audit metadata of a request. `request.ip` honours the trust-proxy setting. */
export function requestMeta(request: FastifyRequest, actorId?: string): RequestMeta & { userAgent: string } {
  return {
    ip: request.ip,
    requestId: request.id,
    userAgent: String(request.headers['user-agent'] ?? '').slice(0, 256),
    ...(actorId === undefined ? {} : { actorId }),
  };
}

/** X-Request-ID is accepted from the client only in a safe shape; otherwise we make one. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
export function requestIdFrom(header: unknown, fallback: () => string): string {
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : fallback();
}
