import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  type KeyObject,
  randomBytes,
} from 'node:crypto';

/**
 * Private signing keys at rest: the PKCS#8 DER, sealed with AES-256-GCM under a key derived from
 * the master secret (`deriveKey(secret, 'signing-keys')`), a random 96-bit IV and the kid as
 * additional authenticated data — so a sealed key copied onto another row does not open. The
 * stored form is `v2.<key id>.<iv>.<ciphertext>.<tag>`, base64url; the version names the whole
 * scheme. The key id (`sealingKeyId`) names the encryption key, so that during a change of master
 * secret the right one is picked without trial; `v1` records (no key id) are tried under each key.
 */

const VERSION = 'v2';
const LEGACY_VERSION = 'v1';
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

/**
 * A short, public name of an encryption key: 48 bits of a SHA-256 over it (a one-way hash of 256
 * random bits, which says nothing about the key but tells keys apart).
 */
export function sealingKeyId(encryptionKey: Buffer): string {
  return createHash('sha256')
    .update('gatehouse-sealing-key-id:')
    .update(encryptionKey)
    .digest()
    .subarray(0, 6)
    .toString('base64url');
}

/** The key id a sealed value names, or null for a `v1` value (sealed before key ids). */
export function sealedKeyId(sealed: string): string | null {
  const [version, keyId] = sealed.split('.');
  return version === VERSION && keyId !== undefined ? keyId : null;
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
    return [VERSION, sealingKeyId(encryptionKey), iv, ciphertext, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  } finally {
    der.fill(0);
  }
}

/**
 * Opens a sealed key under one of `encryptionKeys` (the current master secret's first, then the
 * previous ones'): a `v2` value under the key its key id names, a `v1` value under each in turn.
 */
export function openPrivateKey(
  encryptionKeys: Buffer | readonly Buffer[],
  kid: string,
  sealed: string,
): KeyObject {
  const keys = Buffer.isBuffer(encryptionKeys) ? [encryptionKeys] : encryptionKeys;
  for (const key of keys) checkKey(key);
  const parts = sealed.split('.');
  const version = parts[0];
  if (version !== VERSION && version !== LEGACY_VERSION)
    throw new KeyDecryptionError(kid, `unknown sealed-key format ${version ?? ''}`);
  const keyId = version === VERSION ? parts.splice(1, 1)[0] : undefined;
  const [, iv, ciphertext, tag] = parts.map((part, i) =>
    i > 0 && BASE64URL.test(part) ? Buffer.from(part, 'base64url') : undefined,
  );
  if (parts.length !== 4 || iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || ciphertext === undefined)
    throw new KeyDecryptionError(kid, 'the stored key is malformed');
  const candidates = keyId === undefined ? keys : keys.filter((key) => sealingKeyId(key) === keyId);
  let der: Buffer | undefined;
  let failure: unknown;
  for (const key of candidates) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(kid, 'utf8'));
      decipher.setAuthTag(tag);
      der = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      break;
    } catch (error) {
      failure = error;
    }
  }
  if (der === undefined)
    throw new KeyDecryptionError(
      kid,
      candidates.length === 0
        ? 'it was encrypted under another master secret: set that one as GATEHOUSE_SECRET_PREVIOUS (docs/operations.md, "Changing the master secret")'
        : 'GATEHOUSE_SECRET (or GATEHOUSE_SECRET_PREVIOUS) is not the secret the key was encrypted under, or the stored key was altered (docs/operations.md, "Changing the master secret")',
      failure === undefined ? undefined : { cause: failure },
    );
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new KeyDecryptionError(kid, 'the decrypted key is not a PKCS#8 private key', { cause: error });
  } finally {
    der.fill(0);
  }
}
