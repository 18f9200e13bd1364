import { looksLikeApiKey } from '@gatehouse/core/api-key-format';
import { cookie, type GuardRequest, hasQueryParameter, header, headerLines } from './request.ts';

/** What a request presents, or why its credentials are unusable (always `invalid_request`). */
export type Credential =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  /** RFC 9449: `Authorization: DPoP <token>` with exactly one `DPoP` proof header. */
  | { readonly kind: 'dpop'; readonly token: string; readonly proof: string }
  | { readonly kind: 'session'; readonly token: string }
  | { readonly kind: 'api_key'; readonly token: string }
  | { readonly kind: 'invalid'; readonly reason: InvalidCredentialReason };

export type InvalidCredentialReason =
  | 'duplicate_authorization'
  | 'scheme_not_bearer'
  | 'empty_token'
  | 'token_syntax'
  | 'token_in_query'
  | 'bearer_and_cookie'
  | 'api_key_and_other'
  | 'dpop_proof_missing';

/** RFC 6750 §2.1: `Bearer` 1*SP b64token. Scheme names are case-insensitive (RFC 9110 §11.1). */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Reads the one credential a request may carry: `Authorization: Bearer <token>` or, when sessions
 * are accepted, the Gatehouse session cookie. Anything ambiguous is refused rather than guessed:
 * two Authorization headers (or comma-joined values), a token in the query string, a Bearer token
 * together with a session cookie, an empty token, another scheme.
 */
export function readCredential(
  request: GuardRequest,
  options: { readonly cookieName: string; readonly sessions: boolean; readonly apiKeys?: boolean },
): Credential {
  // RFC 6750 §2.3 allows it, RFC 9700 §4.3.2 explains why not: URLs end up in logs and history.
  if (hasQueryParameter(request, 'access_token')) return invalid('token_in_query');
  const authorization = header(request, 'authorization');
  const session = options.sessions ? cookie(request, options.cookieName) : undefined;
  if (options.apiKeys === true) {
    const key = header(request, 'x-api-key');
    if (key !== undefined) {
      if (authorization !== undefined || session !== undefined) return invalid('api_key_and_other');
      if ((headerLines(request, 'x-api-key') ?? 1) > 1 || key.includes(','))
        return invalid('duplicate_authorization');
      return { kind: 'api_key', token: key.trim() };
    }
  }
  if (authorization === undefined) {
    return session === undefined ? { kind: 'none' } : { kind: 'session', token: session };
  }
  if ((headerLines(request, 'authorization') ?? 1) > 1) return invalid('duplicate_authorization');
  const value = authorization.trim();
  if (value === '') return invalid('empty_token');
  if (value.slice(0, 5).toLowerCase() === 'dpop ') return readDpop(request, value.slice(5).trim(), session);
  // Written out rather than one capturing regex: this runs on every request, on ~1 KB values.
  if (value.length < 6 || value.slice(0, 6).toLowerCase() !== 'bearer') return invalid('scheme_not_bearer');
  let start = 6;
  while (value.charCodeAt(start) === 32) start++;
  if (start === 6 && value.length > 6) return invalid('scheme_not_bearer');
  const token = value.slice(start);
  if (token === '') return invalid('empty_token');
  // Claimed by its prefix before the syntax check: a mangled key gets the keys' 401, not a 400.
  if (options.apiKeys === true && looksLikeApiKey(token)) {
    return session === undefined ? { kind: 'api_key', token } : invalid('bearer_and_cookie');
  }
  // A comma means two values were folded into one header; spaces mean something else was appended.
  if (!B64TOKEN.test(token)) return invalid(token.includes(',') ? 'duplicate_authorization' : 'token_syntax');
  if (session !== undefined) return invalid('bearer_and_cookie');
  return { kind: 'bearer', token };
}

function readDpop(request: GuardRequest, token: string, session: string | undefined): Credential {
  if (token === '') return invalid('empty_token');
  if (!B64TOKEN.test(token)) return invalid('token_syntax');
  if (session !== undefined) return invalid('bearer_and_cookie');
  const proof = header(request, 'dpop');
  if (proof === undefined || proof.includes(',') || (headerLines(request, 'dpop') ?? 1) > 1)
    return invalid('dpop_proof_missing');
  return { kind: 'dpop', token, proof: proof.trim() };
}

function invalid(reason: InvalidCredentialReason): Credential {
  return { kind: 'invalid', reason };
}
