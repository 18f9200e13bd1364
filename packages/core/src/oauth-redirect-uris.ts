import type { OAuthClientType } from './oauth-clients.ts';

export type RedirectUriVerdict =
  | { readonly ok: true; readonly kind: 'web' | 'loopback' | 'private-use' }
  | { readonly ok: false; readonly reason: string };

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
/** Schemes that run or read something locally; never a place to send a code. */
const FORBIDDEN_SCHEMES = new Set([
  'javascript:',
  'data:',
  'file:',
  'vbscript:',
  'blob:',
  'about:',
  'ftp:',
  'ws:',
  'wss:',
]);

/**
 * The registration rules for a redirect (or post-logout redirect) URI, matched later by exact
 * string comparison (RFC 9700 §2.1): an absolute URI without fragment, wildcard or userinfo;
 * https, except that public (native) clients may use http on a loopback host (RFC 8252 §7.3,
 * any port at run time) or a private-use scheme with a reverse-domain name (RFC 8252 §7.1).
 */
export function checkRedirectUri(uri: string, clientType: OAuthClientType): RedirectUriVerdict {
  if (uri.length === 0 || uri.length > 2000) return { ok: false, reason: 'must be 1 to 2000 characters' };
  if (/\s/.test(uri) || [...uri].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f))
    return { ok: false, reason: 'must not contain whitespace or control characters' };
  if (uri.includes('#')) return { ok: false, reason: 'must not contain a fragment' };
  if (uri.includes('*')) return { ok: false, reason: 'must not contain wildcards' };
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return { ok: false, reason: 'must be an absolute URI' };
  }
  if (FORBIDDEN_SCHEMES.has(parsed.protocol)) return { ok: false, reason: `must not use ${parsed.protocol}` };
  if (parsed.username !== '' || parsed.password !== '')
    return { ok: false, reason: 'must not contain user information' };
  if (parsed.protocol === 'https:') {
    if (parsed.hostname === '') return { ok: false, reason: 'must name a host' };
    return { ok: true, kind: 'web' };
  }
  if (parsed.protocol === 'http:') {
    if (!LOOPBACK_HOSTS.has(parsed.hostname))
      return { ok: false, reason: 'must use https (http only for loopback addresses of native clients)' };
    if (clientType !== 'public')
      return { ok: false, reason: 'may use http on a loopback address only for public (native) clients' };
    return { ok: true, kind: 'loopback' };
  }
  // A private-use scheme: only native (public) apps receive them, and the name must be reverse-DNS.
  if (clientType !== 'public') return { ok: false, reason: 'must use https' };
  if (!/^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/.test(parsed.protocol))
    return { ok: false, reason: 'a private-use scheme must be a reverse domain name (com.example.app:)' };
  return { ok: true, kind: 'private-use' };
}
