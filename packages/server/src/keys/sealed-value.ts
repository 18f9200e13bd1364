import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { sealingKeyId } from './key-encryption.ts';

/**
 * A string sealed at rest the way signing keys are (key-encryption.ts): AES-256-GCM under a key
 * derived from the master secret, a random 96-bit IV, the row's id as additional data (a value
 * copied onto another row does not open), stored as `v2.<key id>.<iv>.<ciphertext>.<tag>`,
 * base64url. The mail outbox and TOTP secrets use it.
 */
const VERSION = 'v2';

export function sealValue(key: Buffer, aad: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    VERSION,
    sealingKeyId(key),
    ...[iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url')),
  ].join('.');
}

/**
 * Opens under the key the value names, among `keys` (current first, then previous master
 * secrets'); undefined when none is named, the value is malformed, or it was altered.
 */
export function openSealedValue(keys: readonly Buffer[], aad: string, sealed: string): string | undefined {
  const [version, keyId, iv, ciphertext, tag] = sealed.split('.');
  const key = keys.find((candidate) => sealingKeyId(candidate) === keyId);
  if (
    version !== VERSION ||
    key === undefined ||
    iv === undefined ||
    ciphertext === undefined ||
    tag === undefined
  )
    return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return undefined;
  }
}

/** True when `sealed` is under `key` already (re-encryption skips it). */
export function isSealedUnder(key: Buffer, sealed: string): boolean {
  return sealed.split('.')[1] === sealingKeyId(key);
}
