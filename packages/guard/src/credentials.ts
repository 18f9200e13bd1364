import { looksLikeApiKey } from '@gatehouse/core/api-key-format';
import { type MalformedAuthorization, parseAuthorization } from '@gatehouse/core/authorization-header';
import { cookie, type GuardRequest, hasQueryParameter, header, headerLines } from './request.ts';

/** What a request presents, or why its credentials are unusable (always `invalid_request`). */
export type Credential =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  /** RFC 9449: `Authorization: DPoP <token>` with exactly one `DPoP` proof header. */
  | { readonly kind: 'dpop'; readonly token: string; readonly proof: string }
  | { readonly kind: 'session'; readonly token: string }
  | { readonly kind: 'api_key'; readonly token: string }
  /** An Authorization scheme the guard does not take (`Basic`…): answered like no credential. */
  | { readonly kind: 'unsupported_scheme' }
  | { readonly kind: 'invalid'; readonly reason: InvalidCredentialReason };

export type InvalidCredentialReason =
  | MalformedAuthorization
  | 'token_in_query'
  | 'bearer_and_cookie'
  | 'api_key_and_other'
  | 'dpop_proof_missing';

/**
 * Reads the one credential a request may carry: `Authorization: Bearer <token>` (or `DPoP`), an
 * API key, or, when sessions are accepted, the Gatehouse session cookie. The Authorization header
 * is read by core's `parseAuthorization`, exactly as the Gatehouse server reads it. Anything
 * ambiguous is refused rather than guessed: two Authorization headers (or comma-joined values), a
 * token in the query string, a Bearer token together with a session cookie, an empty token. Another
 * scheme (`Basic`) is no credential here: `unsupported_scheme`, answered like none.
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
  const parsed = parseAuthorization(authorization);
  if (parsed.kind === 'unsupported_scheme') return { kind: 'unsupported_scheme' };
  const token = parsed.token;
  // An API key sent as a Bearer token is claimed by its prefix, before the syntax check: a mangled
  // key gets the keys' 401, not a 400.
  if (token !== undefined && parsed.kind !== 'dpop' && options.apiKeys === true && looksLikeApiKey(token)) {
    return session === undefined ? { kind: 'api_key', token } : invalid('bearer_and_cookie');
  }
  if (parsed.kind === 'invalid') return invalid(parsed.reason);
  if (parsed.kind === 'dpop') return readDpop(request, parsed.token, session);
  if (session !== undefined) return invalid('bearer_and_cookie');
  return { kind: 'bearer', token: parsed.token };
}

function readDpop(request: GuardRequest, token: string, session: string | undefined): Credential {
  if (session !== undefined) return invalid('bearer_and_cookie');
  const proof = header(request, 'dpop');
  if (proof === undefined || proof.includes(',') || (headerLines(request, 'dpop') ?? 1) > 1)
    return invalid('dpop_proof_missing');
  return { kind: 'dpop', token, proof: proof.trim() };
}

function invalid(reason: InvalidCredentialReason): Credential {
  return { kind: 'invalid', reason };
}
