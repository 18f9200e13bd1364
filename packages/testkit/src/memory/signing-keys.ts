import type { SigningKeyRecord, SigningKeyRotation, SigningKeyStore } from '@gatehouse/core';

/**
 * Key-ring storage in process memory. Each method checks and changes synchronously, so every
 * compare-and-set is atomic within the process.
 */
export class MemorySigningKeyStore implements SigningKeyStore {
  readonly #keys = new Map<string, SigningKeyRecord>();

  async list(): Promise<SigningKeyRecord[]> {
    return [...this.#keys.values()]
      .sort((a, b) => a.createdAt - b.createdAt || (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0))
      .map(copy);
  }

  async insert(keys: readonly SigningKeyRecord[]): Promise<boolean> {
    const kids = new Set(keys.map((key) => key.kid));
    if (kids.size !== keys.length || keys.some((key) => this.#keys.has(key.kid))) return false;
    for (const status of ['active', 'next'] as const) {
      const adding = keys.filter((key) => key.status === status).length;
      if (adding > 0 && adding + this.#count(status) > 1) return false;
    }
    for (const key of keys) this.#keys.set(key.kid, copy(key));
    return true;
  }

  async rotate(rotation: SigningKeyRotation): Promise<boolean> {
    const { retire, activate, next } = rotation;
    if (next.status !== 'next') throw new TypeError('the new next key must have status next');
    const retiring = retire === null ? undefined : this.#keys.get(retire.kid);
    if (retire === null ? this.#count('active') > 0 : retiring?.status !== 'active') return false;
    const activating = this.#keys.get(activate.kid);
    if (activating?.status !== 'next' || this.#keys.has(next.kid)) return false;
    if (retire !== null && retiring !== undefined) {
      this.#keys.set(retire.kid, {
        ...retiring,
        status: 'retired',
        retiredAt: retire.retiredAt,
        removeAfter: retire.removeAfter,
      });
    }
    this.#keys.set(activate.kid, { ...activating, status: 'active', activatedAt: activate.activatedAt });
    this.#keys.set(next.kid, copy(next));
    return true;
  }

  async deleteRemovable(now: number): Promise<number> {
    let deleted = 0;
    for (const [kid, key] of this.#keys) {
      if (
        (key.status === 'retired' || key.status === 'revoked') &&
        key.removeAfter !== null &&
        key.removeAfter <= now
      ) {
        this.#keys.delete(kid);
        deleted += 1;
      }
    }
    return deleted;
  }

  async replaceSealedKey(kid: string, expected: string, sealed: string): Promise<boolean> {
    const key = this.#keys.get(kid);
    if (key?.sealedPrivateKey !== expected) return false;
    this.#keys.set(kid, { ...key, sealedPrivateKey: sealed });
    return true;
  }

  async revoke(kid: string, revokedAt: number, removeAfter: number): Promise<boolean> {
    const key = this.#keys.get(kid);
    if (key === undefined || key.status === 'revoked') return false;
    this.#keys.set(kid, { ...key, status: 'revoked', retiredAt: revokedAt, removeAfter });
    return true;
  }

  #count(status: SigningKeyRecord['status']): number {
    let count = 0;
    for (const key of this.#keys.values()) if (key.status === status) count += 1;
    return count;
  }
}

function copy(key: SigningKeyRecord): SigningKeyRecord {
  return { ...key, publicJwk: { ...key.publicJwk } };
}
