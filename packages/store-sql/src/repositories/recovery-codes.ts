import type { RecoveryCodeStore } from '@gatehouse/core';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export class SqlRecoveryCodeStore implements RecoveryCodeStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async replace(userId: string, hashes: readonly string[], now: number): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      if (hashes.length === 0) return;
      await trx
        .insertInto('recovery_codes')
        .values(hashes.map((hash) => ({ user_id: userId, code_hash: hash, created_at: now, used_at: null })))
        .execute();
    });
  }

  async consume(userId: string, hash: string, now: number): Promise<number | undefined> {
    // The conditional UPDATE is the single use: a second request finds used_at already set.
    const result = await this.#db
      .updateTable('recovery_codes')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('code_hash', '=', hash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return undefined;
    return this.countUnused(userId);
  }

  async countUnused(userId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async deleteByUser(userId: string): Promise<number> {
    const result = await this.#db
      .deleteFrom('recovery_codes')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
