import type { CounterStore } from '@gatehouse/core';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.ts';

export class SqlCounterStore implements CounterStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * One upsert statement, so concurrent increments serialize on the row lock (PostgreSQL) or the
   * write lock (SQLite): no read-modify-write window in which two attempts could get the same count.
   */
  async increment(key: string, windowMs: number, now: number): Promise<{ count: number; resetAt: number }> {
    const expired = sql<boolean>`${sql.ref('counters.reset_at')} <= ${now}`;
    const row = await this.#db
      .insertInto('counters')
      .values({ key, count: 1, reset_at: now + windowMs })
      .onConflict((conflict) =>
        conflict.column('key').doUpdateSet({
          count: sql<number>`case when ${expired} then 1 else ${sql.ref('counters.count')} + 1 end`,
          reset_at: sql<number>`case when ${expired} then ${now + windowMs} else ${sql.ref('counters.reset_at')} end`,
        }),
      )
      .returning(['count', 'reset_at'])
      .executeTakeFirstOrThrow();
    return { count: Number(row.count), resetAt: Number(row.reset_at) };
  }

  async reset(key: string): Promise<void> {
    await this.#db.deleteFrom('counters').where('key', '=', key).execute();
  }
}
