import type { SecondFactorRecord, SecondFactorStore } from '@gatehouse/core';
import type { Kysely, Selectable } from 'kysely';
import type { SecondFactorsTable } from '../schema/second-factors.ts';
import type { Database } from '../schema.ts';

export class SqlSecondFactorStore implements SecondFactorStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(record: SecondFactorRecord): Promise<void> {
    await this.#db
      .insertInto('second_factors')
      .values({
        id: record.id,
        user_id: record.userId,
        kind: record.kind,
        name: record.name,
        sealed_secret: record.sealedSecret,
        confirmed: record.confirmed ? 1 : 0,
        created_at: record.createdAt,
        last_used_at: record.lastUsedAt,
        last_step: record.lastStep,
      })
      .execute();
  }

  async listByUser(userId: string): Promise<SecondFactorRecord[]> {
    const rows = await this.#db
      .selectFrom('second_factors')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  async find(id: string): Promise<SecondFactorRecord | undefined> {
    const row = await this.#db
      .selectFrom('second_factors')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async acceptStep(id: string, step: number, now: number, confirm: boolean): Promise<boolean> {
    // One conditional UPDATE: of two requests with the same code only one sees last_step < step.
    const result = await this.#db
      .updateTable('second_factors')
      .set({ last_step: step, last_used_at: now, ...(confirm ? { confirmed: 1 } : {}) })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(id: string, userId: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('second_factors')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async deleteByUser(userId: string): Promise<number> {
    const result = await this.#db
      .deleteFrom('second_factors')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async pageSealed(after: string | null, limit: number): Promise<{ id: string; sealed: string }[]> {
    let query = this.#db
      .selectFrom('second_factors')
      .select(['id', 'sealed_secret'])
      .orderBy('id')
      .limit(limit);
    if (after !== null) query = query.where('id', '>', after);
    return (await query.execute()).map((row) => ({ id: row.id, sealed: row.sealed_secret }));
  }

  async replaceSealed(id: string, expected: string, sealed: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('second_factors')
      .set({ sealed_secret: sealed })
      .where('id', '=', id)
      .where('sealed_secret', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

function toRecord(row: Selectable<SecondFactorsTable>): SecondFactorRecord {
  if (row.kind !== 'totp') throw new Error(`second_factors.kind has an unknown value: ${row.kind}`);
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind,
    name: row.name,
    sealedSecret: row.sealed_secret,
    confirmed: row.confirmed === 1,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    lastStep: row.last_step,
  };
}
