import type { UserProfile, UserProfileRepository } from '@gatehouse/core';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export class SqlUserProfileRepository implements UserProfileRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async get(userId: string): Promise<UserProfile> {
    const row = await this.#db
      .selectFrom('user_profiles')
      .select('claims')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row === undefined ? {} : (JSON.parse(row.claims) as UserProfile);
  }

  async set(userId: string, profile: UserProfile, now: number): Promise<boolean> {
    // One statement: the row is written only if the user exists (no foreign-key error to map).
    const result = await this.#db
      .insertInto('user_profiles')
      .columns(['user_id', 'claims', 'updated_at'])
      .expression((eb) =>
        eb
          .selectFrom('users')
          .select([
            'users.id as user_id',
            eb.val(JSON.stringify(profile)).as('claims'),
            eb.val(now).as('updated_at'),
          ])
          .where('users.id', '=', userId),
      )
      .onConflict((conflict) =>
        conflict.column('user_id').doUpdateSet((eb) => ({
          claims: eb.ref('excluded.claims'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }
}
