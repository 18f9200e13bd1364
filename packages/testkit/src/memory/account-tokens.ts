import type { AccountTokenPurpose, AccountTokenRecord, AccountTokenStore } from '@gatehouse/core';

/** In-memory account tokens; each method runs in one synchronous step, so `consume` is atomic. */
export class MemoryAccountTokenStore implements AccountTokenStore {
  readonly #byHash = new Map<string, AccountTokenRecord>();

  async insert(record: AccountTokenRecord): Promise<void> {
    if (this.#byHash.has(record.idHash)) throw new Error('account token already exists');
    this.#byHash.set(record.idHash, { ...record });
  }

  async find(
    idHash: string,
    purpose: AccountTokenPurpose,
    now: number,
  ): Promise<AccountTokenRecord | undefined> {
    const record = this.#byHash.get(idHash);
    if (record === undefined || record.purpose !== purpose || record.expiresAt <= now) return undefined;
    return { ...record };
  }

  async consume(
    idHash: string,
    purpose: AccountTokenPurpose,
    now: number,
  ): Promise<AccountTokenRecord | undefined> {
    const record = this.#byHash.get(idHash);
    if (record === undefined || record.purpose !== purpose || record.expiresAt <= now) return undefined;
    this.#byHash.delete(idHash);
    return { ...record };
  }

  async holderOf(purpose: AccountTokenPurpose, email: string, now: number): Promise<string | undefined> {
    let newest: AccountTokenRecord | undefined;
    for (const record of this.#byHash.values())
      if (record.purpose === purpose && record.email === email && record.expiresAt > now)
        if (newest === undefined || record.createdAt >= newest.createdAt) newest = record;
    return newest?.userId;
  }

  async deleteByUser(userId: string, purpose: AccountTokenPurpose): Promise<number> {
    let deleted = 0;
    for (const [hash, record] of this.#byHash)
      if (record.userId === userId && record.purpose === purpose && this.#byHash.delete(hash)) deleted += 1;
    return deleted;
  }

  async deleteExpired(now: number): Promise<number> {
    let deleted = 0;
    for (const [hash, record] of this.#byHash)
      if (record.expiresAt <= now && this.#byHash.delete(hash)) deleted += 1;
    return deleted;
  }

  /** What the SQL store deletes by cascade with a user. */
  forget(userId: string): void {
    for (const [hash, record] of this.#byHash) if (record.userId === userId) this.#byHash.delete(hash);
  }
}
