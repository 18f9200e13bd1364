import type { NewRevocation, RevocationEntry, RevocationStore, RevocationType } from '@gatehouse/core';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export class SqlRevocationStore implements RevocationStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async append(entries: readonly NewRevocation[]): Promise<RevocationEntry[]> {
    if (entries.length === 0) return [];
    const rows = await this.#db
      .insertInto('revocations')
      .values(entries.map((e) => ({ type: e.type, value: e.value, at: e.at, expires_at: e.expiresAt })))
      .returningAll()
      .execute();
    return rows.map(toEntry).sort((a, b) => a.seq - b.seq);
  }

  async after(seq: number, now: number, limit: number): Promise<RevocationEntry[]> {
    const rows = await this.#db
      .selectFrom('revocations')
      .selectAll()
      .where('seq', '>', seq)
      .where('expires_at', '>', now)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(toEntry);
  }

  async deleteExpired(now: number): Promise<number> {
    const result = await this.#db.deleteFrom('revocations').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toEntry(row: {
  seq: number;
  type: string;
  value: string;
  at: number;
  expires_at: number;
}): RevocationEntry {
  return {
    seq: Number(row.seq),
    type: row.type as RevocationType,
    value: row.value,
    at: Number(row.at),
    expiresAt: Number(row.expires_at),
  };
}
