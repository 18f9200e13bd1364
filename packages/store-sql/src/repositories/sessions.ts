import { SESSION_AUTH_METHODS, type SessionRecord, type SessionStore } from '@gatehouse/core';
import type { Kysely, Selectable } from 'kysely';
import type { Database, SessionsTable } from '../schema.ts';

export class SqlSessionStore implements SessionStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(record: SessionRecord): Promise<void> {
    await this.#db.insertInto('sessions').values(toRow(record)).execute();
  }

  async get(idHash: string): Promise<SessionRecord | undefined> {
    const row = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('id_hash', '=', idHash)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async touch(idHash: string, lastSeenAt: number, idleExpiresAt: number): Promise<void> {
    // An UPDATE of a deleted row changes nothing, so a late touch cannot resurrect a session.
    await this.#db
      .updateTable('sessions')
      .set({ last_seen_at: lastSeenAt, idle_expires_at: idleExpiresAt })
      .where('id_hash', '=', idHash)
      .execute();
  }

  async delete(idHash: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('sessions').where('id_hash', '=', idHash).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async listByUser(userId: string): Promise<SessionRecord[]> {
    const rows = await this.#db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('id_hash')
      .execute();
    return rows.map(toRecord);
  }

  async deleteByUser(userId: string, exceptIdHash?: string): Promise<number> {
    let query = this.#db.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptIdHash !== undefined) query = query.where('id_hash', '!=', exceptIdHash);
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async deleteExpired(now: number): Promise<number> {
    const result = await this.#db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('idle_expires_at', '<=', now), eb('absolute_expires_at', '<=', now)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function toRow(record: SessionRecord): Selectable<SessionsTable> {
  return {
    id_hash: record.idHash,
    public_id: record.publicId,
    user_id: record.userId,
    created_at: record.createdAt,
    last_seen_at: record.lastSeenAt,
    idle_expires_at: record.idleExpiresAt,
    absolute_expires_at: record.absoluteExpiresAt,
    auth_method: record.authMethod,
    auth_time: record.authTime,
    ip: record.ip,
    user_agent: record.userAgent,
  };
}

function toRecord(row: Selectable<SessionsTable>): SessionRecord {
  const authMethod = SESSION_AUTH_METHODS.find((method) => method === row.auth_method);
  if (authMethod === undefined)
    throw new Error(`sessions.auth_method has an unknown value: ${row.auth_method}`);
  return {
    idHash: row.id_hash,
    publicId: row.public_id,
    userId: row.user_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    idleExpiresAt: row.idle_expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
    authMethod,
    authTime: row.auth_time,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}
