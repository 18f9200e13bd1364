import type { LoginTransactionStore, SecondFactor, StoredLoginTransaction } from '@gatehouse/core';
import type { Kysely, Selectable } from 'kysely';
import type { LoginTransactionsTable } from '../schema/second-factors.ts';
import type { Database } from '../schema.ts';
import { parseStringArray } from './json.ts';

const FACTORS: readonly SecondFactor[] = ['totp', 'webauthn', 'recovery_code'];

export class SqlLoginTransactionStore implements LoginTransactionStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(record: StoredLoginTransaction): Promise<void> {
    await this.#db
      .insertInto('login_transactions')
      .values({
        id_hash: record.idHash,
        user_id: record.userId,
        pending: JSON.stringify(record.pending),
        started_at: record.startedAt,
        expires_at: record.expiresAt,
      })
      .execute();
  }

  async find(idHash: string, now: number): Promise<StoredLoginTransaction | undefined> {
    const row = await this.#db
      .selectFrom('login_transactions')
      .selectAll()
      .where('id_hash', '=', idHash)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async take(idHash: string, now: number): Promise<StoredLoginTransaction | undefined> {
    // DELETE … RETURNING in one statement: "finish once" even with concurrent second steps.
    const row = await this.#db
      .deleteFrom('login_transactions')
      .where('id_hash', '=', idHash)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async deleteByUser(userId: string): Promise<number> {
    const result = await this.#db
      .deleteFrom('login_transactions')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteExpired(now: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('login_transactions')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toRecord(row: Selectable<LoginTransactionsTable>): StoredLoginTransaction {
  const pending = parseStringArray(row.pending, 'login_transactions.pending');
  if (!pending.every((f) => (FACTORS as readonly string[]).includes(f)))
    throw new Error('login_transactions.pending has an unknown factor');
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    pending: pending as SecondFactor[],
    startedAt: row.started_at,
    expiresAt: row.expires_at,
  };
}
