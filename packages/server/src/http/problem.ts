import {
  type ErrorCode,
  type ErrorSpec,
  errorCatalogue,
  GatehouseError,
  isGatehouseError,
} from '@gatehouse/core';
import {
  type ChallengeParams,
  challengeHeader,
  PROBLEM_CONTENT_TYPE,
  problemDetails,
} from '@gatehouse/core/problem-details';
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

const REALM = 'gatehouse';

export interface ProblemOptions {
  /** RFC 9457 extension members (a policy document's located issues). */
  readonly extensions?: Readonly<Record<string, unknown>>;
  /** False when the refusal is about the body, not the credential: no challenge even with one. */
  readonly challenge?: boolean;
}

/**
 * The one place that writes refusals: RFC 9457 problem details with a stable `type`, a generic
 * title and a public detail, and the RFC 6750 challenge the error code carries (core's catalogue),
 * so no route spells a challenge or a problem itself. Internal causes go to the log, never here.
 */
export function sendProblem(
  reply: FastifyReply,
  error: GatehouseError,
  options: ProblemOptions = {},
): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  const hasAuthorization = reply.request.headers.authorization !== undefined;
  const params = options.challenge === false ? undefined : challengeFor(error, hasAuthorization);
  if (params !== undefined) reply.headers(challengeHeader(params));
  return reply
    .code(error.status)
    .header('cache-control', 'no-store')
    .type(PROBLEM_CONTENT_TYPE)
    .send(
      problemDetails(error.code, error, {
        detail: error.detail,
        requestId: reply.request.id,
        extensions: options.extensions,
      }),
    );
}

/** The challenge of an error: its catalogue entry's, `insufficient_scope`, or bare for any 401. */
function challengeFor(error: GatehouseError, hasAuthorization: boolean): ChallengeParams | undefined {
  if (error.insufficientScope !== undefined)
    return {
      scheme: 'Bearer',
      realm: REALM,
      error: 'insufficient_scope',
      scope: error.insufficientScope.scope,
    };
  const spec: ErrorSpec = errorCatalogue[error.code];
  // RFC 6750 §3.1: invalid_request is about the credential only when one was sent.
  if (spec.bearerError === 'invalid_request' && !hasAuthorization) return undefined;
  if (spec.bearerError !== undefined)
    return {
      scheme: 'Bearer',
      realm: REALM,
      error: spec.bearerError,
      description: spec.challengeDescription,
    };
  return error.status === 401 ? { scheme: 'Bearer', realm: REALM } : undefined;
}

/**
 * The same refusal for a transport that is not Fastify (the OAuth engine's Koa context, the
 * engine lane's raw response): status, headers and serialized body. `noStore: false` keeps the
 * engine's own caching headers.
 */
export function problemResponse(
  code: ErrorCode,
  options: {
    readonly requestId?: string;
    readonly retryAfterSeconds?: number;
    readonly noStore?: boolean;
  } = {},
): { status: number; headers: Record<string, string>; body: string } {
  const spec = errorCatalogue[code];
  const headers: Record<string, string> = {};
  if (options.retryAfterSeconds !== undefined) headers['retry-after'] = String(options.retryAfterSeconds);
  if (options.noStore !== false) headers['cache-control'] = 'no-store';
  headers['content-type'] = PROBLEM_CONTENT_TYPE;
  return {
    status: spec.status,
    headers,
    body: JSON.stringify(problemDetails(code, spec, { requestId: options.requestId })),
  };
}

/** RFC 6749 §2.3.1: a client that did not authenticate is challenged with the Basic scheme. */
export function clientChallenge(): ReturnType<typeof challengeHeader> {
  return challengeHeader({ scheme: 'Basic', realm: REALM });
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
