import {
  emailSkeleton,
  type NewServiceAccount,
  type RateLimit,
  type ServiceAccountRecord,
  type ServiceAccountStore,
} from '@gatehouse/core';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import { parseRateLimit } from './api-keys.ts';

/**
 * A service account is a `users` row of kind `service` (so roles, disabling and audit work as for
 * people) plus a `service_accounts` row. Its email column holds `<name>@service.invalid`: unique,
 * and in a reserved domain that can never receive mail or match a person. Its skeleton is unique as
 * for people, so a look-alike name (`rn-bot` beside `m-bot`) is taken too.
 */
export class SqlServiceAccountStore implements ServiceAccountStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(input: NewServiceAccount): Promise<ServiceAccountRecord | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      const email = `${input.name}@service.invalid`;
      const user = await trx
        .insertInto('users')
        .values({
          id: input.id,
          email,
          email_skeleton: emailSkeleton(email),
          kind: 'service',
          disabled: 0,
          created_at: input.now,
          updated_at: input.now,
        })
        .onConflict((conflict) => conflict.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (user === undefined) return undefined;
      await trx
        .insertInto('service_accounts')
        .values({
          user_id: input.id,
          name: input.name,
          description: input.description,
          rate_limit: input.rateLimit === null ? null : JSON.stringify(input.rateLimit),
          created_at: input.now,
          updated_at: input.now,
        })
        .execute();
      return {
        id: input.id,
        name: input.name,
        description: input.description,
        disabled: false,
        rateLimit: input.rateLimit,
        createdAt: input.now,
      };
    });
  }

  async get(id: string): Promise<ServiceAccountRecord | undefined> {
    const row = await this.#select().where('service_accounts.user_id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async list(): Promise<ServiceAccountRecord[]> {
    const rows = await this.#select().orderBy('service_accounts.name').execute();
    return rows.map(toRecord);
  }

  async update(
    id: string,
    changes: { description?: string; rateLimit?: RateLimit | null },
    now: number,
  ): Promise<ServiceAccountRecord | undefined> {
    await this.#db
      .updateTable('service_accounts')
      .set({
        updated_at: now,
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.rateLimit === undefined
          ? {}
          : { rate_limit: changes.rateLimit === null ? null : JSON.stringify(changes.rateLimit) }),
      })
      .where('user_id', '=', id)
      .execute();
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('users')
      .where('id', '=', id)
      .where('kind', '=', 'service')
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  #select() {
    return this.#db
      .selectFrom('service_accounts')
      .innerJoin('users', 'users.id', 'service_accounts.user_id')
      .select([
        'service_accounts.user_id as id',
        'service_accounts.name as name',
        'service_accounts.description as description',
        'service_accounts.rate_limit as rate_limit',
        'service_accounts.created_at as created_at',
        'users.disabled as disabled',
      ]);
  }
}

function toRecord(row: {
  id: string;
  name: string;
  description: string;
  rate_limit: string | null;
  created_at: number;
  disabled: number;
}): ServiceAccountRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    disabled: Number(row.disabled) === 1,
    rateLimit: parseRateLimit(row.rate_limit),
    createdAt: Number(row.created_at),
  };
}
