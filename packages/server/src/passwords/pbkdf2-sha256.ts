import { pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { b64, fromB64, intParam, phcParams } from './phc.ts';

const derive = promisify(pbkdf2);

/** Bounds on what an import may ask a login to compute (Django 5.2 uses 1,000,000 iterations). */
export const PBKDF2_MAX_ITERATIONS = 10_000_000;

export interface Pbkdf2Sha256Hash {
  iterations: number;
  salt: Buffer;
  derivedKey: Buffer;
}

/**
 * PBKDF2-HMAC-SHA256, stored as `$pbkdf2-sha256$i=<iterations>$<salt>$<derived key>` (base64, no
 * padding; the key's length is the derived key length). Django's and Keycloak's formats are
 * rewritten into it at import, so verification has one path.
 */
export function encodePbkdf2Sha256(hash: Pbkdf2Sha256Hash): string {
  return `$pbkdf2-sha256$i=${hash.iterations}$${b64(hash.salt)}$${b64(hash.derivedKey)}`;
}

export function decodePbkdf2Sha256(stored: string): Pbkdf2Sha256Hash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 5 || parts[0] !== '' || parts[1] !== 'pbkdf2-sha256') return undefined;
  const params = phcParams(parts[2]!);
  const iterations = params && intParam(params, 'i', 1, PBKDF2_MAX_ITERATIONS);
  const salt = fromB64(parts[3]!);
  const derivedKey = fromB64(parts[4]!);
  if (iterations === undefined || salt === undefined || derivedKey === undefined) return undefined;
  if (params?.size !== 1 || derivedKey.length < 16 || derivedKey.length > 128) return undefined;
  return { iterations, salt, derivedKey };
}

/**
 * Django: `pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte key>`; the salt is text, used
 * as its UTF-8 bytes.
 */
export function fromDjango(encoded: string): Pbkdf2Sha256Hash | undefined {
  const match = /^pbkdf2_sha256\$(\d{1,10})\$([^$]{1,256})\$([A-Za-z0-9+/]+={0,2})$/.exec(encoded);
  if (match === null) return undefined;
  const iterations = Number(match[1]);
  const derivedKey = fromB64(match[3]!);
  if (iterations < 1 || iterations > PBKDF2_MAX_ITERATIONS || derivedKey?.length !== 32) return undefined;
  return { iterations, salt: Buffer.from(match[2]!, 'utf8'), derivedKey };
}

/** Recomputes the key and compares in constant time. */
export async function verifyPbkdf2Sha256(stored: string, password: string): Promise<boolean> {
  const hash = decodePbkdf2Sha256(stored);
  if (hash === undefined) return false;
  const key = await derive(password, hash.salt, hash.iterations, hash.derivedKey.length, 'sha256');
  return timingSafeEqual(key, hash.derivedKey);
}
