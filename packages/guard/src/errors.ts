import {
  type BearerError,
  type ChallengeParams,
  challengeHeader,
  PROBLEM_CONTENT_TYPE,
  problemDetails,
} from '@gatehouse/core/problem-details';

/** How one refusal is answered: its status, a generic public title and, for RFC 6750 codes, its error. */
interface ErrorSpec {
  readonly status: number;
  readonly title: string;
  /** The RFC 6750 `error` code sent in `WWW-Authenticate`, when the refusal is about a Bearer token. */
  readonly bearerError?: BearerError;
  /** Generic text for `error_description` and the problem's `detail`; never says which check failed. */
  readonly description?: string;
}

/** The guard's closed list of refusals, each with its status and a generic public text. */
export const guardErrors = {
  unauthenticated: { status: 401, title: 'Authentication required' },
  invalid_request: {
    status: 400,
    title: 'Invalid request',
    bearerError: 'invalid_request',
    description: 'The request carries malformed, duplicated or conflicting credentials.',
  },
  invalid_token: {
    status: 401,
    title: 'Invalid access token',
    bearerError: 'invalid_token',
    description: 'The access token is invalid, expired or revoked.',
  },
  insufficient_scope: {
    status: 403,
    title: 'Insufficient scope',
    bearerError: 'insufficient_scope',
    description: 'The access token does not grant the scope this request needs.',
  },
  /** RFC 9449 §7.1: the DPoP proof (not the token) failed: signature, key, method, URL, age or replay. */
  invalid_dpop_proof: {
    status: 401,
    title: 'Invalid DPoP proof',
    bearerError: 'invalid_dpop_proof',
    description: 'The DPoP proof is invalid, expired or replayed.',
  },
  invalid_api_key: {
    status: 401,
    title: 'Invalid API key',
    bearerError: 'invalid_token',
    description: 'The API key is invalid, expired or revoked.',
  },
  forbidden: { status: 403, title: 'Forbidden' },
  too_many_requests: { status: 429, title: 'Too many requests' },
  csrf_failed: { status: 403, title: 'Cross-site request refused' },
  unavailable: { status: 503, title: 'Authentication service unavailable' },
} as const;

export type GuardErrorCode = keyof typeof guardErrors;

/** The `WWW-Authenticate` challenge that goes with a 401/400/403 refusal. */
export interface Challenge {
  /** `Bearer` (RFC 6750) or `DPoP` (RFC 9449), the registered schemes. */
  readonly scheme: 'Bearer' | 'DPoP';
  readonly realm: string;
  /** With `DPoP`: the proof algorithms accepted, sent as `algs` (RFC 9449 §7.1). */
  readonly dpopAlgs?: readonly string[];
  /** Space-separated scopes the request needed (with `insufficient_scope`). */
  readonly scope?: string;
}

export interface GuardErrorOptions {
  cause?: unknown;
  challenge?: Challenge;
  /**
   * Internal detail for logs and tests (`expired`, `revoked`, `duplicate_authorization`…); never
   * sent to the client.
   */
  reason?: string;
  /** Seconds the client should wait (429). */
  retryAfterSeconds?: number;
  /** Further response headers (RateLimit fields). */
  headers?: Readonly<Record<string, string>>;
}

const DEFAULT_REALM = 'gatehouse';

/**
 * A refusal: status, RFC 9457 body and RFC 6750 `WWW-Authenticate`, all generic.
 *
 * @example
 * try { await guard.authenticate(request) }
 * catch (error) { if (error instanceof GuardError) return error.toResponse(); throw error }
 */
export class GuardError extends Error {
  readonly code: GuardErrorCode;
  readonly status: number;
  readonly reason: string | undefined;
  readonly challenge: Challenge | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly extraHeaders: Readonly<Record<string, string>> | undefined;

  constructor(code: GuardErrorCode, options?: GuardErrorOptions) {
    super(guardErrors[code].title, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GuardError';
    this.code = code;
    this.status = guardErrors[code].status;
    this.reason = options?.reason;
    this.challenge = options?.challenge;
    this.retryAfterSeconds = options?.retryAfterSeconds;
    this.extraHeaders = options?.headers;
  }

  get title(): string {
    return guardErrors[this.code].title;
  }

  /** RFC 9457 problem details; says nothing about internals. */
  toProblem(): { type: string; title: string; status: number; detail?: string } {
    const spec: ErrorSpec = guardErrors[this.code];
    return problemDetails(this.code, spec, { detail: spec.description });
  }

  /** Headers that go with the refusal. */
  headers(): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': PROBLEM_CONTENT_TYPE,
      'cache-control': 'no-store',
    };
    const challenge = this.#challenge();
    if (challenge !== undefined) Object.assign(headers, challengeHeader(challenge));
    if (this.status === 503) headers['retry-after'] = '1';
    if (this.retryAfterSeconds !== undefined) headers['retry-after'] = String(this.retryAfterSeconds);
    return this.extraHeaders === undefined ? headers : { ...this.extraHeaders, ...headers };
  }

  toResponse(): Response {
    return new Response(JSON.stringify(this.toProblem()), { status: this.status, headers: this.headers() });
  }

  #challenge(): ChallengeParams | undefined {
    const spec: ErrorSpec = guardErrors[this.code];
    const realm = this.challenge?.realm ?? DEFAULT_REALM;
    const scheme = this.challenge?.scheme ?? 'Bearer';
    if (spec.bearerError !== undefined)
      return {
        scheme,
        realm,
        error: spec.bearerError,
        description: spec.description ?? '',
        scope: this.challenge?.scope,
        algs: scheme === 'DPoP' ? this.challenge?.dpopAlgs : undefined,
      };
    if (this.code === 'unauthenticated') return { scheme, realm };
    return undefined;
  }
}

/** Any failure as a refusal: an unexpected error becomes 503 `unavailable` (fail closed, no detail). */
export function asGuardError(error: unknown): GuardError {
  return error instanceof GuardError
    ? error
    : new GuardError('unavailable', { cause: error, reason: 'internal' });
}
