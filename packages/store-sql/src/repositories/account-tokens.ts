import type { AccountTokenPurpose, AccountTokenRecord, AccountTokenStore } from '@gatehouse/core';
import type { Kysely, Selectable } from 'kysely';
import type { AccountTokensTable, Database } from '../schema.ts';

const PURPOSES: readonly AccountTokenPurpose[] = [
  'verify-email',
  'reset-password',
  'change-email',
  'invitation',
  'undo-email-change',
];

export class SqlAccountTokenStore implements AccountTokenStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(record: AccountTokenRecord): Promise<void> {
    await this.#db
      .insertInto('account_tokens')
      .values({
        id_hash: record.idHash,
        purpose: record.purpose,
        user_id: record.userId,
        email: record.email,
        created_at: record.createdAt,
        expires_at: record.expiresAt,
      })
      .execute();
  }

  async find(
    idHash: string,
    purpose: AccountTokenPurpose,
    now: number,
  ): Promise<AccountTokenRecord | undefined> {
    const row = await this.#db
      .selectFrom('account_tokens')
      .selectAll()
      .where('id_hash', '=', idHash)
      .where('purpose', '=', purpose)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async consume(
    idHash: string,
    purpose: AccountTokenPurpose,
    now: number,
  ): Promise<AccountTokenRecord | undefined> {
    // One statement deletes and returns: of two concurrent redemptions only one gets the row.
    const row = await this.#db
      .deleteFrom('account_tokens')
      .where('id_hash', '=', idHash)
      .where('purpose', '=', purpose)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async holderOf(purpose: AccountTokenPurpose, email: string, now: number): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('account_tokens')
      .select('user_id')
      .where('purpose', '=', purpose)
      .where('email', '=', email)
      .where('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    return row?.user_id;
  }

  async deleteByUser(userId: string, purpose: AccountTokenPurpose): Promise<number> {
    const result = await this.#db
      .deleteFrom('account_tokens')
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteExpired(now: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('account_tokens')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toRecord(row: Selectable<AccountTokensTable>): AccountTokenRecord {
  const purpose = PURPOSES.find((p) => p === row.purpose);
  if (purpose === undefined) throw new Error(`account_tokens.purpose has an unknown value: ${row.purpose}`);
  return {
    idHash: row.id_hash,
    purpose,
    userId: row.user_id,
    email: row.email,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}
