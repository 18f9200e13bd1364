import type { GatehouseError } from '@gatehouse/core';
import type { FastifyReply } from 'fastify';

/** OAuth-shaped errors for token endpoints (RFC 6749 §5.2): `{ error, error_description }`. */
export function sendOAuthError(reply: FastifyReply, error: GatehouseError): FastifyReply {
  const code =
    error.code === 'invalid_grant' || error.code === 'invalid_token'
      ? error.code
      : error.code === 'unavailable'
        ? 'temporarily_unavailable'
        : 'invalid_request';
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply
    .code(
      error.code === 'too_many_requests'
        ? 429
        : error.code === 'unavailable'
          ? 503
          : error.status >= 500
            ? 500
            : 400,
    )
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .type('application/json; charset=utf-8')
    .send({
      error: error.code === 'too_many_requests' ? 'slow_down' : code,
      error_description: error.detail ?? error.title,
    });
}
