import type {
  LoginTransactionStore,
  RecoveryCodeStore,
  SecondFactorRecord,
  SecondFactorStore,
  StoredLoginTransaction,
} from '@gatehouse/core';

/**
 * In-memory second factors, recovery codes and login transactions. Each method runs in one
 * synchronous step, so the compare-and-set and the single-use takes are atomic as in SQL.
 */
export class MemorySecondFactorStore implements SecondFactorStore {
  readonly #byId = new Map<string, SecondFactorRecord>();

  async insert(record: SecondFactorRecord): Promise<void> {
    if (this.#byId.has(record.id)) throw new Error('second factor already exists');
    this.#byId.set(record.id, { ...record });
  }

  async listByUser(userId: string): Promise<SecondFactorRecord[]> {
    return [...this.#byId.values()]
      .filter((r) => r.userId === userId)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
      .map((r) => ({ ...r }));
  }

  async find(id: string): Promise<SecondFactorRecord | undefined> {
    const record = this.#byId.get(id);
    return record && { ...record };
  }

  async acceptStep(id: string, step: number, now: number, confirm: boolean): Promise<boolean> {
    const record = this.#byId.get(id);
    if (record === undefined || (record.lastStep !== null && record.lastStep >= step)) return false;
    this.#byId.set(id, {
      ...record,
      lastStep: step,
      lastUsedAt: now,
      confirmed: record.confirmed || confirm,
    });
    return true;
  }

  async delete(id: string, userId: string): Promise<boolean> {
    if (this.#byId.get(id)?.userId !== userId) return false;
    return this.#byId.delete(id);
  }

  async deleteByUser(userId: string): Promise<number> {
    let deleted = 0;
    for (const [id, r] of this.#byId) if (r.userId === userId && this.#byId.delete(id)) deleted += 1;
    return deleted;
  }

  async pageSealed(after: string | null, limit: number): Promise<{ id: string; sealed: string }[]> {
    return [...this.#byId.values()]
      .filter((r) => after === null || r.id > after)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .slice(0, limit)
      .map((r) => ({ id: r.id, sealed: r.sealedSecret }));
  }

  async replaceSealed(id: string, expected: string, sealed: string): Promise<boolean> {
    const record = this.#byId.get(id);
    if (record?.sealedSecret !== expected) return false;
    this.#byId.set(id, { ...record, sealedSecret: sealed });
    return true;
  }
}

export class MemoryRecoveryCodeStore implements RecoveryCodeStore {
  /** user id → code hash → used at (null: unused). */
  readonly #byUser = new Map<string, Map<string, number | null>>();

  async replace(userId: string, hashes: readonly string[], _now: number): Promise<void> {
    this.#byUser.set(userId, new Map(hashes.map((hash) => [hash, null])));
  }

  async consume(userId: string, hash: string, now: number): Promise<number | undefined> {
    const codes = this.#byUser.get(userId);
    if (codes === undefined || codes.get(hash) !== null) return undefined;
    codes.set(hash, now);
    return this.countUnused(userId);
  }

  async countUnused(userId: string): Promise<number> {
    return [...(this.#byUser.get(userId)?.values() ?? [])].filter((usedAt) => usedAt === null).length;
  }

  async deleteByUser(userId: string): Promise<number> {
    const count = this.#byUser.get(userId)?.size ?? 0;
    this.#byUser.delete(userId);
    return count;
  }
}

export class MemoryLoginTransactionStore implements LoginTransactionStore {
  readonly #byHash = new Map<string, StoredLoginTransaction>();

  async insert(record: StoredLoginTransaction): Promise<void> {
    if (this.#byHash.has(record.idHash)) throw new Error('login transaction already exists');
    this.#byHash.set(record.idHash, { ...record, pending: [...record.pending] });
  }

  async find(idHash: string, now: number): Promise<StoredLoginTransaction | undefined> {
    const record = this.#byHash.get(idHash);
    return record === undefined || record.expiresAt <= now ? undefined : { ...record };
  }

  async take(idHash: string, now: number): Promise<StoredLoginTransaction | undefined> {
    const record = this.#byHash.get(idHash);
    if (record === undefined || record.expiresAt <= now) return undefined;
    this.#byHash.delete(idHash);
    return record;
  }

  async deleteByUser(userId: string): Promise<number> {
    let deleted = 0;
    for (const [hash, r] of this.#byHash) if (r.userId === userId && this.#byHash.delete(hash)) deleted += 1;
    return deleted;
  }

  async deleteExpired(now: number): Promise<number> {
    let deleted = 0;
    for (const [hash, r] of this.#byHash) if (r.expiresAt <= now && this.#byHash.delete(hash)) deleted += 1;
    return deleted;
  }
}
