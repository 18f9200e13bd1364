import { base64url } from 'jose';

const decoder = new TextDecoder();

/** The `kid` of a compact JWS's protected header, unverified (for the revoked-key check). */
export function headerKid(token: string): string | undefined {
  try {
    const header: unknown = JSON.parse(decoder.decode(base64url.decode(token.slice(0, token.indexOf('.')))));
    if (typeof header !== 'object' || header === null) return undefined;
    const kid = (header as { kid?: unknown }).kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}
