/** What the guard reads from a request: a Web `Request`, or any framework's method + headers. */
export interface GuardRequest {
  readonly method: string;
  readonly headers: Headers | Readonly<Record<string, string | string[] | undefined>>;
}

export function header(request: GuardRequest, name: string): string | undefined {
  const { headers } = request;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value.join(', ') : value;
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

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
export function isUnsafeMethod(method: string): boolean {
  return !SAFE.has(method.toUpperCase());
}
