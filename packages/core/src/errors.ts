/**
 * The closed list of errors Gatehouse can return. Each code is stable and never reused; it carries
 * its HTTP status and the public text. Internal detail goes to logs through `cause`, never to clients.
 */
export const errorCatalogue = {
  invalid_credentials: { status: 401, title: 'Invalid email or password' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  csrf_failed: { status: 403, title: 'Cross-site request refused' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  invalid_request: { status: 400, title: 'Invalid request' },
  https_required: { status: 400, title: 'HTTPS required' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  password_policy: { status: 400, title: 'Password does not meet the policy' },
  conflict: { status: 409, title: 'Conflict' },
  too_many_requests: { status: 429, title: 'Too many requests' },
  reauthentication_required: { status: 401, title: 'Re-authentication required' },
  invalid_grant: { status: 400, title: 'Invalid grant' },
  invalid_token: { status: 401, title: 'Invalid token' },
  invalid_api_key: { status: 401, title: 'Invalid API key' },
  unavailable: { status: 503, title: 'Service unavailable' },
  internal: { status: 500, title: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

export interface GatehouseErrorOptions {
  /** Public, generic explanation safe to show to any client. */
  detail?: string;
  /** Seconds the client should wait (429, 503). */
  retryAfterSeconds?: number;
  /** Internal cause for logs only. */
  cause?: unknown;
}

export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, options: GatehouseErrorOptions = {}) {
    const entry = errorCatalogue[code];
    super(entry.title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatehouseError';
    this.code = code;
    this.status = entry.status;
    this.title = entry.title;
    this.detail = options.detail;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isGatehouseError(value: unknown): value is GatehouseError {
  return value instanceof GatehouseError;
}
