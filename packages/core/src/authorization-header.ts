/**
 * The one reading of an `Authorization` header value, shared by the server and the guard so both
 * answer the same request the same way (a table of cases in each package's tests proves it).
 *
 * - `Bearer <token>` (RFC 6750 §2.1) and `DPoP <token>` (RFC 9449 §7.1); scheme names are
 *   case-insensitive (RFC 9110 §11.1), one or more spaces may follow them;
 * - another scheme (`Basic`, `Digest`…) is not a credential these APIs take: the caller is
 *   unauthenticated and gets a bare challenge (RFC 6750 §3.1), not an error about its header;
 * - a missing or malformed token is a malformed request.
 */
export type AuthorizationCredential =
  | { readonly kind: 'bearer' | 'dpop'; readonly token: string }
  | { readonly kind: 'unsupported_scheme' }
  /** `token`: what followed the scheme, when there was something (a caller may still route it). */
  | { readonly kind: 'invalid'; readonly reason: MalformedAuthorization; readonly token?: string };

export type MalformedAuthorization = 'empty_token' | 'token_syntax' | 'duplicate_authorization';

/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export function parseAuthorization(value: string): AuthorizationCredential {
  const trimmed = value.trim();
  if (trimmed === '') return { kind: 'invalid', reason: 'empty_token' };
  // Written out rather than one capturing regex: this runs on every request, on ~1 KB values.
  let end = 0;
  while (end < trimmed.length && trimmed.charCodeAt(end) !== 32) end++;
  const scheme = trimmed.slice(0, end).toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'dpop') return { kind: 'unsupported_scheme' };
  let start = end;
  while (trimmed.charCodeAt(start) === 32) start++;
  const token = trimmed.slice(start);
  if (token === '') return { kind: 'invalid', reason: 'empty_token' };
  // A comma means two values were folded into one header; spaces mean something else was appended.
  if (!B64TOKEN.test(token))
    return {
      kind: 'invalid',
      reason: token.includes(',') ? 'duplicate_authorization' : 'token_syntax',
      token,
    };
  return { kind: scheme, token };
}
