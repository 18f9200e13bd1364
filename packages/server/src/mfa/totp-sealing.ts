import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecondFactorStore } from '@gatehouse/core';
import { sealingKeyId } from '../keys/key-encryption.ts';
import type { SealedStore } from '../keys/sealed-store.ts';

/**
 * TOTP secrets at rest: AES-256-GCM under a key derived from the master secret
 * (`deriveKeySet(secrets, 'totp-secrets')`), the factor id as additional data so a secret copied
 * onto another row does not open. Same layout as the other sealed material:
 * `v2.<key id>.<iv>.<ciphertext>.<tag>`, base64url.
 */
const VERSION = 'v2';

export class TotpSealError extends Error {
  constructor(id: string) {
    super(`cannot open the TOTP secret of factor ${id}: sealed under another master secret, or altered`);
    this.name = 'TotpSealError';
  }
}

export function sealTotpSecret(key: Buffer, id: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(id, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [
    VERSION,
    sealingKeyId(key),
    ...[iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url')),
  ].join('.');
}

/** Opens under the key the value names, among `keys` (current first, then previous master secrets'). */
export function openTotpSecret(keys: readonly Buffer[], id: string, sealed: string): string {
  const [version, keyId, iv, ciphertext, tag] = sealed.split('.');
  const key = keys.find((candidate) => sealingKeyId(candidate) === keyId);
  if (
    version !== VERSION ||
    key === undefined ||
    iv === undefined ||
    ciphertext === undefined ||
    tag === undefined
  )
    throw new TotpSealError(id);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(id, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new TotpSealError(id);
  }
}

/** The factors as a sealed store, so `gatehouse secrets rekey` re-encrypts TOTP secrets too. */
export function totpSealedStore(store: SecondFactorStore, keys: readonly Buffer[]): SealedStore {
  const [current] = keys;
  if (current === undefined) throw new RangeError('a sealed store needs the current key');
  const currentId = sealingKeyId(current);
  return {
    name: 'totp-secrets',
    page: (after, limit) => store.pageSealed(after, limit),
    reseal: ({ id, sealed }) =>
      sealed.split('.')[1] === currentId
        ? null
        : sealTotpSecret(current, id, openTotpSecret(keys, id, sealed)),
    replace: (id, expected, sealed) => store.replaceSealed(id, expected, sealed),
  };
}
