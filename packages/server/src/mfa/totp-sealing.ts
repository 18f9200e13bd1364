import type { SecondFactorStore } from '@gatehouse/core';
import type { SealedStore } from '../keys/sealed-store.ts';
import { isSealedUnder, openSealedValue, sealValue } from '../keys/sealed-value.ts';

/**
 * TOTP secrets at rest: AES-256-GCM under a key derived from the master secret
 * (`deriveKeySet(secrets, 'totp-secrets')`), the factor id as additional data so a secret copied
 * onto another row does not open (keys/sealed-value.ts).
 */
export class TotpSealError extends Error {
  constructor(id: string) {
    super(`cannot open the TOTP secret of factor ${id}: sealed under another master secret, or altered`);
    this.name = 'TotpSealError';
  }
}

export function sealTotpSecret(key: Buffer, id: string, secret: string): string {
  return sealValue(key, id, secret);
}

/** Opens under the key the value names, among `keys` (current first, then previous master secrets'). */
export function openTotpSecret(keys: readonly Buffer[], id: string, sealed: string): string {
  const secret = openSealedValue(keys, id, sealed);
  if (secret === undefined) throw new TotpSealError(id);
  return secret;
}

/** The factors as a sealed store, so `gatehouse secrets rekey` re-encrypts TOTP secrets too. */
export function totpSealedStore(store: SecondFactorStore, keys: readonly Buffer[]): SealedStore {
  const [current] = keys;
  if (current === undefined) throw new RangeError('a sealed store needs the current key');
  return {
    name: 'totp-secrets',
    page: (after, limit) => store.pageSealed(after, limit),
    reseal: ({ id, sealed }) =>
      isSealedUnder(current, sealed) ? null : sealTotpSecret(current, id, openTotpSecret(keys, id, sealed)),
    replace: (id, expected, sealed) => store.replaceSealed(id, expected, sealed),
  };
}
