import type { CredentialRepository } from '@gatehouse/core';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export class SqlCredentialRepository implements CredentialRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async getPasswordHash(userId: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('credentials')
      .select('password_hash')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.password_hash;
  }

  async setPasswordHash(userId: string, hash: string, now: number): Promise<void> {
    await this.#db
      .insertInto('credentials')
      .values({ user_id: userId, password_hash: hash, updated_at: now })
      .onConflict((conflict) =>
        conflict.column('user_id').doUpdateSet((eb) => ({
          password_hash: eb.ref('excluded.password_hash'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}
