import {
  type ConsumeResult,
  isRefreshRetry,
  type RefreshTokenKind,
  type RefreshTokenRecord,
  type RefreshTokenStore,
  type RetryGrace,
  type RevokeByUserOptions,
} from '@gatehouse/core';
import type { Kysely, Selectable } from 'kysely';
import type { RefreshTokensTable } from '../schema/tokens.ts';
import type { Database } from '../schema.ts';

export class SqlRefreshTokenStore implements RefreshTokenStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(record: RefreshTokenRecord): Promise<void> {
    await this.#db
      .insertInto('refresh_tokens')
      .values({
        id_hash: record.idHash,
        kind: record.kind,
        family_id: record.familyId,
        user_id: record.userId,
        client_id: record.clientId,
        session_id_hash: record.sessionIdHash,
        scope: record.scope,
        created_at: record.createdAt,
        expires_at: record.expiresAt,
        family_expires_at: record.familyExpiresAt,
        consumed_at: record.consumedAt,
        revoked_at: record.revokedAt,
        payload: record.payload === null ? null : JSON.stringify(record.payload),
      })
      .onConflict((oc) => oc.column('id_hash').doNothing())
      .execute();
  }

  /**
   * One conditional UPDATE … RETURNING: of two concurrent uses, exactly one gets the row. The
   * others read the token and its successor in one statement (one snapshot) to tell a retry from
   * reuse; the successor is derived, so every retry hands out the same one.
   */
  async consume(idHash: string, now: number, retry?: RetryGrace): Promise<ConsumeResult> {
    const consumed = await this.#db
      .updateTable('refresh_tokens')
      .set({ consumed_at: now })
      .where('id_hash', '=', idHash)
      .where('consumed_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where('family_expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    if (consumed !== undefined) return { status: 'consumed', record: toRecord(consumed) };
    const row = await this.#db
      .selectFrom('refresh_tokens as t')
      .leftJoin('refresh_tokens as s', (join) =>
        join.on('s.id_hash', '=', retry?.successorIdHash ?? '').onRef('s.family_id', '=', 't.family_id'),
      )
      .selectAll('t')
      .select([
        's.id_hash as successor',
        's.consumed_at as successor_consumed_at',
        's.revoked_at as successor_revoked_at',
      ])
      .where('t.id_hash', '=', idHash)
      .executeTakeFirst();
    if (row === undefined || row.consumed_at === null) return { status: 'invalid' };
    const { successor, successor_consumed_at, successor_revoked_at, ...token } = row;
    const record = toRecord(token);
    const retried =
      retry !== undefined &&
      isRefreshRetry(
        record,
        successor === null
          ? undefined
          : { consumedAt: successor_consumed_at, revokedAt: successor_revoked_at },
        now,
        retry.graceMs,
      );
    return { status: retried ? 'retried' : 'reused', record };
  }

  async find(idHash: string): Promise<RefreshTokenRecord | undefined> {
    const row = await this.#db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('id_hash', '=', idHash)
      .executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async delete(idHash: string): Promise<void> {
    await this.#db.deleteFrom('refresh_tokens').where('id_hash', '=', idHash).execute();
  }

  async revokeFamily(familyId: string, now: number): Promise<number> {
    return this.#revokeWhere('family_id', familyId, now);
  }

  async revokeBySession(sessionIdHash: string, now: number): Promise<number> {
    return this.#revokeWhere('session_id_hash', sessionIdHash, now);
  }

  async revokeByUser(userId: string, now: number, options?: RevokeByUserOptions): Promise<number> {
    if (options?.sessionBoundOnly !== true) return this.#revokeWhere('user_id', userId, now);
    const result = await this.#db
      .updateTable('refresh_tokens')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('session_id_hash', '<>', '')
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async deleteExpired(now: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('refresh_tokens')
      .where((eb) => eb.or([eb('family_expires_at', '<=', now), eb('expires_at', '<=', now)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async #revokeWhere(column: 'family_id' | 'session_id_hash' | 'user_id', value: string, now: number) {
    const result = await this.#db
      .updateTable('refresh_tokens')
      .set({ revoked_at: now })
      .where(column, '=', value)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}

function toRecord(row: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    idHash: row.id_hash,
    kind: toKind(row.kind),
    familyId: row.family_id,
    userId: row.user_id,
    clientId: row.client_id,
    sessionIdHash: row.session_id_hash,
    scope: row.scope,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    familyExpiresAt: Number(row.family_expires_at),
    consumedAt: row.consumed_at === null ? null : Number(row.consumed_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    payload: row.payload === null ? null : parsePayload(row.payload),
  };
}

function toKind(kind: string): RefreshTokenKind {
  if (kind === 'first-party' || kind === 'oauth') return kind;
  throw new Error(`refresh_tokens.kind is not a known kind: ${kind}`);
}

function parsePayload(text: string): Record<string, unknown> {
  const payload: unknown = JSON.parse(text);
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new Error('refresh_tokens.payload is not a JSON object');
  return payload as Record<string, unknown>;
}
