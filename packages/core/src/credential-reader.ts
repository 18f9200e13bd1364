import { looksLikeApiKey } from './api-keys/prefix.ts';
import { type MalformedAuthorization, parseAuthorization } from './authorization-header.ts';

/**
 * The one reading of the credential a request presents, shared by the server and the guard
 * (portable: Web `Headers` in, a typed credential or a typed refusal out; no `node:` import).
 */

/** What a request presents, or why its credentials are unusable (always `invalid_request`). */
export type Credential =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  /** RFC 9449: `Authorization: DPoP <token>` with exactly one `DPoP` proof header. */
  | { readonly kind: 'dpop'; readonly token: string; readonly proof: string }
  | { readonly kind: 'session'; readonly token: string }
  | { readonly kind: 'api_key'; readonly token: string }
  /** An Authorization scheme not taken here (`Basic`…): answered like no credential (RFC 6750 §3.1). */
  | { readonly kind: 'unsupported_scheme' }
  | { readonly kind: 'invalid'; readonly reason: InvalidCredentialReason };

export type InvalidCredentialReason =
  | MalformedAuthorization
  | 'token_in_query'
  | 'bearer_and_cookie'
  | 'api_key_and_other'
  | 'dpop_proof_missing';

/** The parts of a request the reader looks at. */
export interface CredentialSource {
  /** A Web `Headers`, or anything answering `get` alike (repeated fields comma-joined). */
  readonly headers: { get(name: string): string | null };
  /** The session cookie's value, when the request carries one. */
  readonly sessionCookie?: string | undefined;
  /** How many lines of header `name` arrived, when the transport knows (a duplicate is refused). */
  readonly headerLines?: ((name: string) => number | undefined) | undefined;
  /** True when the query string carries `access_token` (RFC 9700 §4.3.2: refused, never read). */
  readonly tokenInQuery?: boolean | undefined;
}

export interface CredentialReaderOptions {
  /** Take the session cookie. */
  readonly sessions: boolean;
  /** Take API keys: `X-API-Key`, or an `Authorization: Bearer` value with the key prefix. */
  readonly apiKeys?: boolean | undefined;
  /** Take `Authorization: DPoP`; otherwise that scheme is `unsupported_scheme`. Default true. */
  readonly dpop?: boolean | undefined;
}

/**
 * Reads the one credential a request may carry: `Authorization: Bearer <token>` (or `DPoP`), an
 * API key, or the session cookie. Anything ambiguous is refused rather than guessed: two
 * Authorization headers (or comma-joined values), a token in the query string, a Bearer token
 * together with a session cookie, an API key beside anything else, an empty token.
 *
 * @example
 * const credential = readCredential({ headers: request.headers }, { sessions: false });
 * if (credential.kind === 'invalid') return refuse(400, credential.reason);
 */
export function readCredential(source: CredentialSource, options: CredentialReaderOptions): Credential {
  if (source.tokenInQuery === true) return invalid('token_in_query');
  const authorization = source.headers.get('authorization') ?? undefined;
  const session = options.sessions ? source.sessionCookie : undefined;
  if (options.apiKeys === true) {
    const key = source.headers.get('x-api-key');
    if (key !== null) {
      if (authorization !== undefined || session !== undefined) return invalid('api_key_and_other');
      if ((source.headerLines?.('x-api-key') ?? 1) > 1 || key.includes(','))
        return invalid('duplicate_authorization');
      return { kind: 'api_key', token: key.trim() };
    }
  }
  if (authorization === undefined) {
    return session === undefined ? { kind: 'none' } : { kind: 'session', token: session };
  }
  if ((source.headerLines?.('authorization') ?? 1) > 1) return invalid('duplicate_authorization');
  const parsed = parseAuthorization(authorization);
  if (parsed.kind === 'unsupported_scheme' || (parsed.kind === 'dpop' && options.dpop === false))
    return { kind: 'unsupported_scheme' };
  const token = parsed.token;
  // An API key sent as a Bearer token is claimed by its prefix, before the syntax check: a mangled
  // key gets the keys' 401, not a 400.
  if (token !== undefined && parsed.kind !== 'dpop' && options.apiKeys === true && looksLikeApiKey(token)) {
    return session === undefined ? { kind: 'api_key', token } : invalid('bearer_and_cookie');
  }
  if (parsed.kind === 'invalid') return invalid(parsed.reason);
  if (parsed.kind === 'dpop') return readDpop(source, parsed.token, session);
  if (session !== undefined) return invalid('bearer_and_cookie');
  return { kind: 'bearer', token: parsed.token };
}

function readDpop(source: CredentialSource, token: string, session: string | undefined): Credential {
  if (session !== undefined) return invalid('bearer_and_cookie');
  const proof = source.headers.get('dpop');
  if (proof === null || proof.includes(',') || (source.headerLines?.('dpop') ?? 1) > 1)
    return invalid('dpop_proof_missing');
  return { kind: 'dpop', token, proof: proof.trim() };
}

function invalid(reason: InvalidCredentialReason): Credential {
  return { kind: 'invalid', reason };
}
