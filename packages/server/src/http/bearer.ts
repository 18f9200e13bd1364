/**
 * A shared secret sent as `Authorization: Bearer <secret>` (the resource servers' introspection
 * secret): the scheme case-insensitive (RFC 9110 §11.1), the value as it is, for a constant-time
 * comparison by the caller. Access tokens are read by core's `parseAuthorization` instead.
 */
export function bearerSecret(header: string | undefined): string {
  if (header === undefined || header.length < 7 || header.slice(0, 7).toLowerCase() !== 'bearer ') return '';
  return header.slice(7).trim();
}
