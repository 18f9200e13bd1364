import type { BearerError } from './problem-details.ts';

/** What a code answers: status, public title and, for a refused credential, its RFC 6750 challenge. */
export interface ErrorSpec {
  readonly status: number;
  readonly title: string;
  /**
   * The `error` of the `WWW-Authenticate` challenge (RFC 6750 §3.1). `invalid_request` is sent only
   * when the request carried an Authorization header; any other 401 gets a bare challenge.
   */
  readonly bearerError?: BearerError;
  /** The challenge's generic `error_description`. */
  readonly challengeDescription?: string;
}

/**
 * The closed list of errors Gatehouse can return. Each code is stable and never reused; it carries
 * its HTTP status, the public text and its challenge. Internal detail goes to logs through `cause`,
 * never to clients.
 */
export const errorCatalogue = {
  invalid_credentials: { status: 401, title: 'Invalid email or password' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  csrf_failed: { status: 403, title: 'Cross-site request refused' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  invalid_request: { status: 400, title: 'Invalid request', bearerError: 'invalid_request' },
  https_required: { status: 400, title: 'HTTPS required' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  password_policy: { status: 400, title: 'Password does not meet the policy' },
  conflict: { status: 409, title: 'Conflict' },
  too_many_requests: { status: 429, title: 'Too many requests' },
  reauthentication_required: { status: 401, title: 'Re-authentication required' },
  invalid_grant: { status: 400, title: 'Invalid grant' },
  invalid_token: {
    status: 401,
    title: 'Invalid token',
    bearerError: 'invalid_token',
    challengeDescription: 'The access token is invalid or expired',
  },
  // One answer for every way a key can fail (unknown, wrong secret, revoked, expired, disabled owner).
  invalid_api_key: {
    status: 401,
    title: 'Invalid API key',
    bearerError: 'invalid_token',
    challengeDescription: 'The API key is invalid, expired or revoked',
  },
  unavailable: { status: 503, title: 'Service unavailable' },
  internal: { status: 500, title: 'Internal error' },
} as const;

// Every entry has the shape of an `ErrorSpec` (a plain `as const` keeps the .d.ts buildable alone).
errorCatalogue satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCatalogue;

export interface GatehouseErrorOptions {
  /** Public, generic explanation safe to show to any client. */
  detail?: string;
  /** Seconds the client should wait (429, 503). */
  retryAfterSeconds?: number;
  /** Internal cause for logs only. */
  cause?: unknown;
  /**
   * A 403 for want of a scope (an API key's): the challenge says `insufficient_scope`, naming the
   * scope when there is one to ask for.
   */
  insufficientScope?: { scope?: string };
}

export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly insufficientScope: { readonly scope?: string } | undefined;

  constructor(code: ErrorCode, options: GatehouseErrorOptions = {}) {
    const entry = errorCatalogue[code];
    super(entry.title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatehouseError';
    this.code = code;
    this.status = entry.status;
    this.title = entry.title;
    this.detail = options.detail;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.insufficientScope = options.insufficientScope;
  }
}

export function isGatehouseError(value: unknown): value is GatehouseError {
  return value instanceof GatehouseError;
}
