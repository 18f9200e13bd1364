import type { NewRevocation, RevocationEntry, RevocationStore } from '@gatehouse/core';

/**
 * The revocation log in process memory: the reference for the port. Sequence numbers are drawn
 * synchronously, so they are strictly increasing in append order and never reused, even after
 * the entries that held them expired and were deleted.
 */
export class MemoryRevocationStore implements RevocationStore {
  readonly #entries: RevocationEntry[] = [];
  #lastSeq = 0;

  async append(entries: readonly NewRevocation[]): Promise<RevocationEntry[]> {
    const appended = entries.map((entry) => ({ ...entry, seq: ++this.#lastSeq }));
    this.#entries.push(...appended);
    return appended.map((entry) => ({ ...entry }));
  }

  async after(seq: number, now: number, limit: number): Promise<RevocationEntry[]> {
    return this.#entries
      .filter((entry) => entry.seq > seq && entry.expiresAt > now)
      .slice(0, limit)
      .map((entry) => ({ ...entry }));
  }

  async deleteExpired(now: number): Promise<number> {
    const before = this.#entries.length;
    const kept = this.#entries.filter((entry) => entry.expiresAt > now);
    this.#entries.splice(0, before, ...kept);
    return before - kept.length;
  }
}
