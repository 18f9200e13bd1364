import type { SigningKeyStore } from '@gatehouse/core';
import { openPrivateKey, sealedKeyId, sealingKeyId, sealPrivateKey } from './key-encryption.ts';

/** One record of a sealed store: its id (what the sealing binds, such as a kid) and sealed value. */
export interface SealedRecord {
  readonly id: string;
  readonly sealed: string;
}

/**
 * Material encrypted at rest under a key derived from the master secret, as `gatehouse secrets
 * rekey` sees it. This is the extension point for every kind of sealed material: signing keys
 * today; TOTP secrets and upstream identity providers' client secrets add a store here when they
 * exist (`sealedStores` in gatehouse.ts), and rekey, resumption and progress come with it.
 */
export interface SealedStore {
  /** Shown in progress reports: `signing-keys`, `rs256-signing-keys`, … */
  readonly name: string;
  /** Up to `limit` records with ids after `after` (null: from the start), in id order. */
  page(after: string | null, limit: number): Promise<readonly SealedRecord[]>;
  /** The record sealed under the current key; null when it already is (nothing to do). */
  reseal(record: SealedRecord): string | null;
  /** Compare-and-set: stores `sealed` only if the record still holds `expected`. */
  replace(id: string, expected: string, sealed: string): Promise<boolean>;
}

/**
 * A key ring's store as a sealed store: each private key is opened under the current or a previous
 * key (`keys`, current first) and sealed again under the current one. Key rings hold a handful of
 * keys, so a page is cut from the whole list.
 */
export function signingKeySealedStore(
  name: string,
  store: SigningKeyStore,
  keys: readonly Buffer[],
): SealedStore {
  const [current] = keys;
  if (current === undefined) throw new RangeError('a sealed store needs the current key');
  const currentId = sealingKeyId(current);
  return {
    name,
    async page(after, limit) {
      return (await store.list())
        .map((key) => ({ id: key.kid, sealed: key.sealedPrivateKey }))
        .filter((record) => after === null || record.id > after)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, limit);
    },
    reseal({ id, sealed }) {
      if (sealedKeyId(sealed) === currentId) return null;
      return sealPrivateKey(current, id, openPrivateKey(keys, id, sealed));
    },
    replace: (id, expected, sealed) => store.replaceSealedKey(id, expected, sealed),
  };
}
