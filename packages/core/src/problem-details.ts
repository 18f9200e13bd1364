/**
 * How every refusal is spelled, by the server and the guard alike (portable: no `node:` import):
 * RFC 9457 problem details and RFC 6750 / RFC 9449 `WWW-Authenticate` challenges, as values. The
 * edge that owns the response (the server's `http/problem.ts`, the guard's `GuardError`) applies
 * them; nothing else writes either (an architecture test scans the sources).
 */

/** The RFC 9457 media type (without parameters), e.g. for an OpenAPI `content` key. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
export const PROBLEM_CONTENT_TYPE: string = `${PROBLEM_MEDIA_TYPE}; charset=utf-8`;

/** The RFC 6750 §3.1 `error` codes (and RFC 9449's), sent in a challenge. */
export type BearerError = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof';

export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly [extension: string]: unknown;
}

/** A problem with Gatehouse's stable `type` (`urn:gatehouse:error:<code>`); members in RFC order. */
export function problemDetails(
  code: string,
  spec: { readonly title: string; readonly status: number },
  options: {
    readonly detail?: string | undefined;
    readonly requestId?: string | undefined;
    readonly extensions?: Readonly<Record<string, unknown>> | undefined;
  } = {},
): ProblemDetails {
  return {
    type: `urn:gatehouse:error:${code}`,
    title: spec.title,
    status: spec.status,
    ...(options.detail === undefined ? {} : { detail: options.detail }),
    ...(options.requestId === undefined ? {} : { instance: `urn:gatehouse:request:${options.requestId}` }),
    ...options.extensions,
  };
}

export interface ChallengeParams {
  /** `Bearer` (RFC 6750), `DPoP` (RFC 9449) or `Basic` (client authentication, RFC 6749 §2.3.1). */
  readonly scheme: 'Bearer' | 'DPoP' | 'Basic';
  readonly realm: string;
  readonly error?: BearerError | undefined;
  /** Generic text for `error_description`; never says which check failed. */
  readonly description?: string | undefined;
  /** Space-separated scopes the request needed (with `insufficient_scope`). */
  readonly scope?: string | undefined;
  /** With `DPoP`: the proof algorithms accepted (RFC 9449 §7.1). */
  readonly algs?: readonly string[] | undefined;
}

/** A `WWW-Authenticate` value: `Bearer realm="…", error="…", error_description="…", scope="…"`. */
export function challenge(params: ChallengeParams): string {
  let value = `${params.scheme} realm=${quoted(params.realm)}`;
  if (params.error !== undefined) value += `, error=${quoted(params.error)}`;
  if (params.description !== undefined) value += `, error_description=${quoted(params.description)}`;
  if (params.scope !== undefined) value += `, scope=${quoted(params.scope)}`;
  if (params.algs !== undefined) value += `, algs=${quoted(params.algs.join(' '))}`;
  return value;
}

/** The header a challenge travels in, for the transports that set headers from a record. */
export function challengeHeader(params: ChallengeParams): { 'www-authenticate': string } {
  return { 'www-authenticate': challenge(params) };
}

/** A quoted-string (RFC 9110 §5.6.4); values reaching here are validated, this is belt and braces. */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/[^\x20-\x7e]/g, '')}"`;
}
