import type { ApiKeyRecord, ApiKeyStore, ApiKeyUse, RateLimit } from '@gatehouse/core';
import type { Kysely, Selectable } from 'kysely';
import type { ApiKeysTable } from '../schema/api-keys.ts';
import type { Database } from '../schema.ts';
import { parseStringArray } from './json.ts';

export class SqlApiKeyStore implements ApiKeyStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(record: ApiKeyRecord): Promise<void> {
    await this.#db
      .insertInto('api_keys')
      .values({
        id: record.id,
        owner_id: record.ownerId,
        name: record.name,
        secret_hash: record.secretHash,
        last_four: record.lastFour,
        scopes: JSON.stringify(record.scopes),
        created_at: record.createdAt,
        expires_at: record.expiresAt,
        revoked_at: record.revokedAt,
        replaced_by: record.replacedBy,
        last_used_at: record.lastUsedAt,
        last_used_ip: record.lastUsedIp,
        rate_limit: record.rateLimit === null ? null : JSON.stringify(record.rateLimit),
        allowed_cidrs: record.allowedCidrs === null ? null : JSON.stringify(record.allowedCidrs),
      })
      .execute();
  }

  async findById(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.#db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async listByOwner(ownerId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.#db
      .selectFrom('api_keys')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  async revoke(id: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async replaceSecretHash(id: string, expected: string, secretHash: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('api_keys')
      .set({ secret_hash: secretHash })
      .where('id', '=', id)
      .where('secret_hash', '=', expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async supersede(id: string, replacedBy: string, expiresAt: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('api_keys')
      .set((eb) => ({
        replaced_by: replacedBy,
        expires_at: eb
          .case()
          .when('expires_at', 'is', null)
          .then(expiresAt)
          .when('expires_at', '>', expiresAt)
          .then(expiresAt)
          .else(eb.ref('expires_at'))
          .end(),
      }))
      .where('id', '=', id)
      .where('replaced_by', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** One transaction for the whole batch; a use never moves `last_used_at` backwards. */
  async recordUsage(uses: readonly ApiKeyUse[]): Promise<void> {
    if (uses.length === 0) return;
    await this.#db.transaction().execute(async (trx) => {
      for (const use of uses) {
        await trx
          .updateTable('api_keys')
          .set({ last_used_at: use.at, last_used_ip: use.ip })
          .where('id', '=', use.id)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', use.at)]))
          .execute();
      }
    });
  }
}

export function parseRateLimit(text: string | null): RateLimit | null {
  if (text === null) return null;
  const value = JSON.parse(text) as { limit?: unknown; windowSeconds?: unknown };
  if (typeof value.limit !== 'number' || typeof value.windowSeconds !== 'number') {
    throw new Error('rate_limit is not a {limit, windowSeconds} object');
  }
  return { limit: value.limit, windowSeconds: value.windowSeconds };
}

function toRecord(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    secretHash: row.secret_hash,
    lastFour: row.last_four,
    scopes: parseStringArray(row.scopes, 'api_keys.scopes'),
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    replacedBy: row.replaced_by,
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    lastUsedIp: row.last_used_ip,
    rateLimit: parseRateLimit(row.rate_limit),
    allowedCidrs:
      row.allowed_cidrs === null ? null : parseStringArray(row.allowed_cidrs, 'api_keys.allowed_cidrs'),
  };
}
