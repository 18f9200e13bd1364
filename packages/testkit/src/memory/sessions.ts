import type { SessionRecord, SessionStore } from '@gatehouse/core';
import { compare } from './users.ts';

export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, SessionRecord>();

  async create(record: SessionRecord): Promise<void> {
    this.#sessions.set(record.idHash, { ...record });
  }

  async get(idHash: string): Promise<SessionRecord | undefined> {
    const record = this.#sessions.get(idHash);
    return record && { ...record };
  }

  async touch(idHash: string, lastSeenAt: number, idleExpiresAt: number): Promise<void> {
    const record = this.#sessions.get(idHash);
    if (record) this.#sessions.set(idHash, { ...record, lastSeenAt, idleExpiresAt });
  }

  async delete(idHash: string): Promise<boolean> {
    return this.#sessions.delete(idHash);
  }

  async listByUser(userId: string): Promise<SessionRecord[]> {
    return [...this.#sessions.values()]
      .filter((record) => record.userId === userId)
      .sort((a, b) => a.createdAt - b.createdAt || compare(a.idHash, b.idHash))
      .map((record) => ({ ...record }));
  }

  async deleteByUser(userId: string, exceptIdHash?: string): Promise<number> {
    let deleted = 0;
    for (const record of [...this.#sessions.values()]) {
      if (record.userId !== userId || record.idHash === exceptIdHash) continue;
      this.#sessions.delete(record.idHash);
      deleted++;
    }
    return deleted;
  }

  async deleteExpired(now: number): Promise<number> {
    let deleted = 0;
    for (const record of [...this.#sessions.values()]) {
      if (now < record.idleExpiresAt && now < record.absoluteExpiresAt) continue;
      this.#sessions.delete(record.idHash);
      deleted++;
    }
    return deleted;
  }
}
