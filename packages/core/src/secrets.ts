import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A fresh random secret, base64url encoded. 32 bytes = 256 bits by default. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A random identifier for records that are not secrets (still unguessable). */
export function randomId(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

/**
 * SHA-256 of a high-entropy secret, hex. Used to store session ids: no salt needed at 256 bits.
 * (The one-shot `hash` costs a third of a `createHash` object: this runs on every request.)
 */
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

export function hmacSha256(key: Buffer | string, value: string): Buffer {
  return createHmac('sha256', key).update(value).digest();
}

/**
 * Compares two strings in time that depends only on their digests' (fixed) length: both sides are
 * hashed first, so neither the length nor a common prefix leaks.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = hash('sha256', a, 'buffer');
  const db = hash('sha256', b, 'buffer');
  return timingSafeEqual(da, db);
}
