import { type GuardRequest, header } from './request.ts';

/**
 * Whether a cookie-authenticated unsafe request may have been sent by another site. Fetch
 * Metadata, when present, decides alone (browsers send `Origin: null` for same-origin forms under
 * a no-referrer policy); otherwise a foreign or null Origin is refused. Bearer requests are not
 * checked: a browser never attaches them on its own.
 */
export function isCrossSite(request: GuardRequest, allowedOrigins: ReadonlySet<string>): boolean {
  const origin = header(request, 'origin');
  if (origin !== undefined && allowedOrigins.has(origin)) return false;
  const site = header(request, 'sec-fetch-site');
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  if (origin === undefined) return false;
  const host = header(request, 'host');
  const own =
    request.url !== undefined && /^https?:/.test(request.url) ? new URL(request.url).origin : undefined;
  const sameHost = host !== undefined && (origin === `https://${host}` || origin === `http://${host}`);
  return origin !== own && !sameHost;
}
