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

/** RFC 6750 §3: the challenge for a failed Bearer token. */
export function bearerChallenge(
  realm: string,
  error?: 'invalid_token' | 'invalid_request' | 'insufficient_scope',
): string {
  return error === undefined
    ? `Bearer realm="${realm}"`
    : `Bearer realm="${realm}", error="${error}", error_description="The access token is invalid or expired"`;
}
