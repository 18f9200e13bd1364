import type {
  ConsumeOutcome,
  OAuthArtifact,
  OAuthArtifactEntry,
  OAuthArtifactStore,
  OAuthArtifactWrite,
} from '@gatehouse/core';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.ts';

/** The OAuth engine's artifacts in one table keyed by (model, id); payloads are JSON text. */
export class SqlOAuthArtifactStore implements OAuthArtifactStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async upsert(artifact: OAuthArtifactWrite): Promise<void> {
    const row = {
      payload: JSON.stringify(artifact.payload),
      grant_id: artifact.grantId ?? null,
      user_code: artifact.userCode ?? null,
      uid: artifact.uid ?? null,
      account_id: artifact.accountId ?? null,
      expires_at: artifact.expiresAt,
      consumed_at: null,
    };
    await this.#db
      .insertInto('oauth_artifacts')
      .values({ model: artifact.model, id: artifact.id, ...row })
      .onConflict((conflict) => conflict.columns(['model', 'id']).doUpdateSet(row))
      .execute();
  }

  async find(model: string, id: string, now: number): Promise<OAuthArtifact | undefined> {
    return this.#findWhere(model, 'id', id, now);
  }

  async findByUid(model: string, uid: string, now: number): Promise<OAuthArtifact | undefined> {
    return this.#findWhere(model, 'uid', uid, now);
  }

  async findByUserCode(model: string, userCode: string, now: number): Promise<OAuthArtifact | undefined> {
    return this.#findWhere(model, 'user_code', userCode, now);
  }

  async listByAccount(model: string, accountId: string, now: number): Promise<OAuthArtifactEntry[]> {
    const rows = await this.#db
      .selectFrom('oauth_artifacts')
      .select(['id', 'payload', 'consumed_at'])
      .where('model', '=', model)
      .where('account_id', '=', accountId)
      .where('expires_at', '>', now)
      .orderBy('id')
      .execute();
    return rows.map((row) => ({ id: row.id, ...toArtifact(row) }));
  }

  /** One conditional UPDATE: of concurrent consumers exactly one changes the row. */
  async consume(model: string, id: string, now: number): Promise<ConsumeOutcome> {
    const result = await this.#db
      .updateTable('oauth_artifacts')
      .set({ consumed_at: now })
      .where('model', '=', model)
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return 'consumed';
    return (await this.find(model, id, now)) === undefined ? 'missing' : 'already-consumed';
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.#db.deleteFrom('oauth_artifacts').where('model', '=', model).where('id', '=', id).execute();
  }

  async revokeByGrantId(grantId: string): Promise<number> {
    const result = await this.#db
      .deleteFrom('oauth_artifacts')
      .where('grant_id', '=', grantId)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteExpired(now: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('oauth_artifacts')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async #findWhere(
    model: string,
    column: 'id' | 'uid' | 'user_code',
    value: string,
    now: number,
  ): Promise<OAuthArtifact | undefined> {
    // The engine's hottest read (five per introspection of an opaque token): a template costs a
    // third of the query builder's time per lookup (docs/benchmarks.md §10).
    const { rows } = await sql<{ payload: string; consumed_at: number | null }>`
      select payload, consumed_at from oauth_artifacts
      where model = ${model} and ${sql.ref(column)} = ${value} and expires_at > ${now}
      limit 1`.execute(this.#db);
    const row = rows[0];
    return row === undefined ? undefined : toArtifact(row);
  }
}

function toArtifact(row: { payload: string; consumed_at: number | null }): OAuthArtifact {
  const payload: unknown = JSON.parse(row.payload);
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new Error('oauth_artifacts.payload is not a JSON object');
  return {
    payload: payload as Record<string, unknown>,
    consumedAt: row.consumed_at === null ? null : Number(row.consumed_at),
  };
}
