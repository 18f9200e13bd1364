import { createCipheriv, createDecipheriv, createPrivateKey, type KeyObject, randomBytes } from 'node:crypto';

/**
 * Private signing keys at rest: the PKCS#8 DER, sealed with AES-256-GCM under a key derived from
 * the master secret (`deriveKey(secret, 'signing-keys')`), a random 96-bit IV and the kid as
 * additional authenticated data — so a sealed key copied onto another row does not open. The
 * stored form is `v1.<iv>.<ciphertext>.<tag>`, base64url; the version names the whole scheme.
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A sealed key that does not open: another master secret, or altered data. Never retried or ignored. */
export class KeyDecryptionError extends Error {
  readonly kid: string;
  constructor(kid: string, reason: string, options?: { cause: unknown }) {
    super(`Cannot decrypt signing key ${kid}: ${reason}`, options);
    this.name = 'KeyDecryptionError';
    this.kid = kid;
  }
}

function checkKey(encryptionKey: Buffer): void {
  if (encryptionKey.length !== 32) throw new RangeError('the key-encryption key must be 32 bytes');
}

export function sealPrivateKey(encryptionKey: Buffer, kid: string, privateKey: KeyObject): string {
  checkKey(encryptionKey);
  if (privateKey.type !== 'private') throw new TypeError('only private keys are sealed');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  try {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(kid, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(der), cipher.final()]);
    return [VERSION, iv, ciphertext, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  } finally {
    der.fill(0);
  }
}

export function openPrivateKey(encryptionKey: Buffer, kid: string, sealed: string): KeyObject {
  checkKey(encryptionKey);
  const parts = sealed.split('.');
  if (parts[0] !== VERSION) throw new KeyDecryptionError(kid, `unknown sealed-key format ${parts[0] ?? ''}`);
  const [, iv, ciphertext, tag] = parts.map((part, i) =>
    i > 0 && BASE64URL.test(part) ? Buffer.from(part, 'base64url') : undefined,
  );
  if (parts.length !== 4 || iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || ciphertext === undefined)
    throw new KeyDecryptionError(kid, 'the stored key is malformed');
  let der: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', encryptionKey, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(kid, 'utf8'));
    decipher.setAuthTag(tag);
    der = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (error) {
    throw new KeyDecryptionError(
      kid,
      'GATEHOUSE_SECRET is not the secret the key was encrypted under, or the stored key was altered',
      { cause: error },
    );
  }
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new KeyDecryptionError(kid, 'the decrypted key is not a PKCS#8 private key', { cause: error });
  } finally {
    der.fill(0);
  }
}
