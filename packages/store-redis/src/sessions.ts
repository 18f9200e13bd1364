import { SESSION_AUTH_METHODS, type SessionRecord, type SessionStore } from '@gatehouse/core';
import type { Redis } from 'ioredis';
import { integerReply } from './lua.ts';
import { CREATE, DELETE, DELETE_BY_USER, TOUCH } from './session-scripts.ts';

export interface RedisSessionStoreOptions {
  /** Key prefix, e.g. `gatehouse:`. */
  prefix: string;
}

/** Sessions in Redis, expired by Redis itself (see session-scripts.ts for the key layout). */
export class RedisSessionStore implements SessionStore {
  readonly #redis: Redis;
  readonly #sessionPrefix: string;
  readonly #userPrefix: string;

  constructor(redis: Redis, options: RedisSessionStoreOptions) {
    this.#redis = redis;
    this.#sessionPrefix = `${options.prefix}s:`;
    this.#userPrefix = `${options.prefix}u:`;
  }

  async create(record: SessionRecord): Promise<void> {
    const expireAt = Math.min(record.idleExpiresAt, record.absoluteExpiresAt);
    const fields = Object.entries(toHash(record)).flat();
    await CREATE.run(
      this.#redis,
      [this.#sessionPrefix + record.idHash, this.#userPrefix + record.userId],
      [expireAt, record.absoluteExpiresAt, record.idHash, ...fields],
    );
  }

  async get(idHash: string): Promise<SessionRecord | undefined> {
    return fromHash(idHash, await this.#redis.hgetall(this.#sessionPrefix + idHash));
  }

  async touch(idHash: string, lastSeenAt: number, idleExpiresAt: number): Promise<void> {
    await TOUCH.run(this.#redis, [this.#sessionPrefix + idHash], [lastSeenAt, idleExpiresAt]);
  }

  async delete(idHash: string): Promise<boolean> {
    const reply = await DELETE.run(this.#redis, [this.#sessionPrefix + idHash], [this.#userPrefix, idHash]);
    return integerReply(reply) > 0;
  }

  async listByUser(userId: string): Promise<SessionRecord[]> {
    const userKey = this.#userPrefix + userId;
    const idHashes = await this.#redis.smembers(userKey);
    if (idHashes.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const idHash of idHashes) pipeline.hgetall(this.#sessionPrefix + idHash);
    const replies = (await pipeline.exec()) ?? [];
    const records: SessionRecord[] = [];
    const gone: string[] = [];
    idHashes.forEach((idHash, i) => {
      const [error, hash] = replies[i] ?? [new Error('missing pipeline reply'), undefined];
      if (error) throw error;
      const record = fromHash(idHash, hash);
      if (record) records.push(record);
      else gone.push(idHash);
    });
    // Members whose session expired: an idHash is never reused, so removing them is safe.
    if (gone.length > 0) await this.#redis.srem(userKey, ...gone);
    return records.sort((a, b) => a.createdAt - b.createdAt || (a.idHash < b.idHash ? -1 : 1));
  }

  async deleteByUser(userId: string, exceptIdHash?: string): Promise<number> {
    const reply = await DELETE_BY_USER.run(
      this.#redis,
      [this.#userPrefix + userId],
      [this.#sessionPrefix, exceptIdHash ?? ''],
    );
    return integerReply(reply);
  }

  /** Redis expires sessions itself. */
  async deleteExpired(_now: number): Promise<number> {
    return 0;
  }
}

function toHash(record: SessionRecord): Record<string, string> {
  return {
    publicId: record.publicId,
    userId: record.userId,
    createdAt: String(record.createdAt),
    lastSeenAt: String(record.lastSeenAt),
    idleExpiresAt: String(record.idleExpiresAt),
    absoluteExpiresAt: String(record.absoluteExpiresAt),
    authMethod: record.authMethod,
    authTime: String(record.authTime),
    ip: record.ip,
    userAgent: record.userAgent,
  };
}

/** Undefined for a missing (or, defensively, malformed) hash: neither may authenticate anyone. */
function fromHash(idHash: string, hash: unknown): SessionRecord | undefined {
  if (typeof hash !== 'object' || hash === null) return undefined;
  const field = (name: string): string | undefined => {
    const value: unknown = (hash as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : undefined;
  };
  const time = (name: string): number => Number(field(name) ?? Number.NaN);
  const [publicId, userId, authMethod, ip, userAgent] = [
    'publicId',
    'userId',
    'authMethod',
    'ip',
    'userAgent',
  ].map(field);
  const record = {
    createdAt: time('createdAt'),
    lastSeenAt: time('lastSeenAt'),
    idleExpiresAt: time('idleExpiresAt'),
    absoluteExpiresAt: time('absoluteExpiresAt'),
    authTime: time('authTime'),
  };
  if (publicId === undefined || userId === undefined || ip === undefined || userAgent === undefined)
    return undefined;
  const method = SESSION_AUTH_METHODS.find((known) => known === authMethod);
  if (method === undefined || !Object.values(record).every(Number.isSafeInteger)) return undefined;
  return { idHash, publicId, userId, ...record, authMethod: method, ip, userAgent };
}
