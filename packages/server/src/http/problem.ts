import { GatehouseError, isGatehouseError } from '@gatehouse/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isStoreFailure } from '../stores/store-failure.ts';

/** How long clients are asked to wait when a store does not answer. */
const STORE_RETRY_AFTER_SECONDS = 2;

/** A store that did not answer (down, stalled, timed out): 503 with Retry-After, never a 500. */
export function storeUnavailable(cause: unknown): GatehouseError {
  return new GatehouseError('unavailable', {
    detail: 'A backing store is not answering; try again shortly.',
    retryAfterSeconds: STORE_RETRY_AFTER_SECONDS,
    cause,
  });
}

/**
 * The one place that turns errors into responses: RFC 9457 problem details with a stable `type`,
 * a generic title and a public detail. Internal causes go to the log, never to the client.
 */
export function sendProblem(reply: FastifyReply, error: GatehouseError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  // RFC 6750: a failed Bearer token says so; otherwise the challenge names the Bearer scheme.
  if (error.code === 'invalid_token') {
    reply.header(
      'www-authenticate',
      'Bearer realm="gatehouse", error="invalid_token", error_description="The access token is invalid or expired"',
    );
  } else if (error.code === 'invalid_api_key') {
    // One answer for every way a key can fail (unknown, wrong secret, revoked, expired, disabled owner).
    reply.header(
      'www-authenticate',
      'Bearer realm="gatehouse", error="invalid_token", error_description="The API key is invalid, expired or revoked"',
    );
  } else if (error.status === 401) reply.header('www-authenticate', 'Bearer realm="gatehouse"');
  else if (error.code === 'invalid_request' && reply.request.headers.authorization !== undefined) {
    reply.header('www-authenticate', 'Bearer realm="gatehouse", error="invalid_request"');
  }
  return reply
    .code(error.status)
    .header('cache-control', 'no-store')
    .type('application/problem+json; charset=utf-8')
    .send({
      type: `urn:gatehouse:error:${error.code}`,
      title: error.title,
      status: error.status,
      ...(error.detail === undefined ? {} : { detail: error.detail }),
      instance: `urn:gatehouse:request:${reply.request.id}`,
    });
}

/** Maps Fastify's own errors (body limits, parsers, validation) to our closed list. */
export function toGatehouseError(error: FastifyError | Error): GatehouseError {
  if (isGatehouseError(error)) return error;
  if (isStoreFailure(error)) return storeUnavailable(error);
  const fastifyError = error as FastifyError;
  if (fastifyError.validation !== undefined) {
    return new GatehouseError('invalid_request', { detail: 'The request body or parameters are invalid.' });
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatehouseError('payload_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatehouseError('unsupported_media_type');
    default:
      break;
  }
  const status = fastifyError.statusCode ?? 500;
  if (status === 413) return new GatehouseError('payload_too_large');
  if (status === 415) return new GatehouseError('unsupported_media_type');
  if (status >= 400 && status < 500) return new GatehouseError('invalid_request', { cause: error });
  return new GatehouseError('internal', { cause: error });
}

/**
 * `onStoreFailure` hears of every request that met a store failure; store health then probes and
 * logs the outage once, so such requests log no stack of their own.
 */
export function errorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
  onStoreFailure?: () => void,
) {
  const mapped = toGatehouseError(error);
  if (mapped.code === 'unavailable' && !isGatehouseError(error)) {
    onStoreFailure?.();
    request.log.debug({ error: error.message }, 'store unavailable for this request');
  } else if (mapped.status >= 500) request.log.error({ err: error }, 'unhandled error');
  else if (!isGatehouseError(error))
    request.log.info({ code: (error as FastifyError).code }, 'request refused');
  return sendProblem(reply, mapped);
}
