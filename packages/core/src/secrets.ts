import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh random secret, base64url encoded. 32 bytes = 256 bits by default. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A random identifier for records that are not secrets (still unguessable). */
export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

/** SHA-256 of a high-entropy secret, hex. Used to store session ids: no salt needed at 256 bits. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function hmacSha256(key: Buffer | string, value: string): Buffer {
  return createHmac('sha256', key).update(value).digest();
}

/**
 * Compares two strings in time that depends only on their digests' (fixed) length: both sides are
 * hashed first, so neither the length nor a common prefix leaks.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}
