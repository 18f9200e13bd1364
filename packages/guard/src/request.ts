/**
 * What the guard reads from a request: a Web `Request`, or any framework's method + headers
 * (Node-style lower-case header objects work as they are).
 */
export interface GuardRequest {
  readonly method: string;
  readonly headers: Headers | Readonly<Record<string, string | string[] | undefined>>;
  /**
   * The request target (`/notes?x=1`) or absolute URL. Lets the guard refuse an `access_token` in
   * the query string and compare `Origin` with the request's own origin.
   */
  readonly url?: string | undefined;
  /**
   * Node's `rawHeaders` (name, value, name, value…). Node keeps only the first `Authorization`
   * header in `headers`; with the raw list the guard sees, and refuses, a duplicated one.
   */
  readonly rawHeaders?: readonly string[] | undefined;
  /**
   * The client's address (behind a proxy: as your framework resolves it). API keys with a network
   * allowlist are refused without it; it also keys the limit on failed keys.
   */
  readonly ip?: string | undefined;
}

export function header(request: GuardRequest, name: string): string | undefined {
  const { headers } = request;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** How many header lines named `name` arrived, when the raw list is known (`undefined` otherwise). */
export function headerLines(request: GuardRequest, name: string): number | undefined {
  const raw = request.rawHeaders;
  if (raw === undefined) return undefined;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === name) count++;
  return count;
}

/** The value of one cookie, parsed per RFC 6265 §5.4 (first match wins). */
export function cookie(request: GuardRequest, name: string): string | undefined {
  const raw = header(request, 'cookie');
  if (raw === undefined) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Whether the query string of `request.url` has parameter `name` (percent-decoded, any value). */
export function hasQueryParameter(request: GuardRequest, name: string): boolean {
  const url = request.url;
  if (url === undefined) return false;
  const start = url.indexOf('?');
  if (start === -1) return false;
  const end = url.indexOf('#', start);
  return new URLSearchParams(url.slice(start + 1, end === -1 ? undefined : end)).has(name);
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
export function isUnsafeMethod(method: string): boolean {
  return !SAFE.has(method.toUpperCase());
}
