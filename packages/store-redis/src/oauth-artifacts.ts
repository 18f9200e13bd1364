import type {
  ConsumeOutcome,
  OAuthArtifact,
  OAuthArtifactEntry,
  OAuthArtifactStore,
  OAuthArtifactWrite,
} from '@gatehouse/core';
import type { Redis } from 'ioredis';
import { integerReply, LuaScript } from './lua.ts';

export interface RedisOAuthArtifactStoreOptions {
  /** Key prefix, e.g. `gatehouse:`. */
  prefix: string;
}

/*
 * Key layout (every key expires with its artifact, so Redis sweeps them itself):
 *   {prefix}oa:{model}:{id}        hash  payload, [consumedAt]
 *   {prefix}oag:{grantId}          set   artifact keys issued under the grant
 *   {prefix}oau:{model}:{uid}      string artifact key (engine sessions by uid)
 *   {prefix}oac:{model}:{userCode} string artifact key (device codes by user code)
 *   {prefix}oaa:{model}:{accountId} set  ids of the account's artifacts (pruned on read)
 */

/**
 * KEYS: artifact, grant set, uid key, user-code key, account set (the last four may be '').
 * ARGV: expireAt, payload, now, id.
 */
const UPSERT = new LuaScript(`
redis.call('del', KEYS[1])
redis.call('hset', KEYS[1], 'payload', ARGV[2])
redis.call('pexpireat', KEYS[1], ARGV[1])
if KEYS[2] ~= '' then
  redis.call('sadd', KEYS[2], KEYS[1])
  local ttl = redis.call('pttl', KEYS[2])
  local wanted = tonumber(ARGV[1]) - tonumber(ARGV[3])
  if ttl < wanted then redis.call('pexpireat', KEYS[2], ARGV[1]) end
end
for i = 3, 4 do
  if KEYS[i] ~= '' then redis.call('set', KEYS[i], KEYS[1], 'PXAT', ARGV[1]) end
end
if KEYS[5] ~= '' then
  redis.call('sadd', KEYS[5], ARGV[4])
  local ttl = redis.call('pttl', KEYS[5])
  if ttl < tonumber(ARGV[1]) - tonumber(ARGV[3]) then redis.call('pexpireat', KEYS[5], ARGV[1]) end
end
return 1
`);

/** Exactly one caller sets consumedAt: 1 consumed, 2 already consumed, 0 missing. */
const CONSUME = new LuaScript(`
if redis.call('exists', KEYS[1]) == 0 then return 0 end
if redis.call('hsetnx', KEYS[1], 'consumedAt', ARGV[1]) == 1 then return 1 end
return 2
`);

const REVOKE_GRANT = new LuaScript(`
local members = redis.call('smembers', KEYS[1])
local removed = 0
for _, key in ipairs(members) do removed = removed + redis.call('del', key) end
redis.call('del', KEYS[1])
return removed
`);

/**
 * Short-lived OAuth artifacts in Redis, expired by Redis itself (so reads ignore `now`). Needs
 * Redis 6.2+ (SET … PXAT) on a standalone or replicated server, like the session store.
 */
export class RedisOAuthArtifactStore implements OAuthArtifactStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, options: RedisOAuthArtifactStoreOptions) {
    this.#redis = redis;
    this.#prefix = options.prefix;
  }

  async upsert(artifact: OAuthArtifactWrite): Promise<void> {
    const { model } = artifact;
    await UPSERT.run(
      this.#redis,
      [
        this.#key(model, artifact.id),
        artifact.grantId === undefined ? '' : `${this.#prefix}oag:${artifact.grantId}`,
        artifact.uid === undefined ? '' : `${this.#prefix}oau:${model}:${artifact.uid}`,
        artifact.userCode === undefined ? '' : `${this.#prefix}oac:${model}:${artifact.userCode}`,
        artifact.accountId === undefined ? '' : `${this.#prefix}oaa:${model}:${artifact.accountId}`,
      ],
      [Math.ceil(artifact.expiresAt), JSON.stringify(artifact.payload), Date.now(), artifact.id],
    );
  }

  async find(model: string, id: string): Promise<OAuthArtifact | undefined> {
    return this.#read(this.#key(model, id));
  }

  async findByUid(model: string, uid: string): Promise<OAuthArtifact | undefined> {
    const key = await this.#redis.get(`${this.#prefix}oau:${model}:${uid}`);
    return key === null ? undefined : this.#read(key);
  }

  async findByUserCode(model: string, userCode: string): Promise<OAuthArtifact | undefined> {
    const key = await this.#redis.get(`${this.#prefix}oac:${model}:${userCode}`);
    return key === null ? undefined : this.#read(key);
  }

  async listByAccount(model: string, accountId: string): Promise<OAuthArtifactEntry[]> {
    const setKey = `${this.#prefix}oaa:${model}:${accountId}`;
    const ids = (await this.#redis.smembers(setKey)).sort();
    // Sent together, so the reads cost one round trip rather than one per artifact.
    const artifacts = await Promise.all(ids.map((id) => this.#read(this.#key(model, id))));
    const entries: OAuthArtifactEntry[] = [];
    const gone: string[] = [];
    for (const [i, id] of ids.entries()) {
      const artifact = artifacts[i];
      if (artifact === undefined) gone.push(id);
      else entries.push({ id, ...artifact });
    }
    if (gone.length > 0) await this.#redis.srem(setKey, ...gone);
    return entries;
  }

  async consume(model: string, id: string, now: number): Promise<ConsumeOutcome> {
    const reply = integerReply(await CONSUME.run(this.#redis, [this.#key(model, id)], [now]));
    return reply === 1 ? 'consumed' : reply === 2 ? 'already-consumed' : 'missing';
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.#redis.del(this.#key(model, id));
  }

  async revokeByGrantId(grantId: string): Promise<number> {
    return integerReply(await REVOKE_GRANT.run(this.#redis, [`${this.#prefix}oag:${grantId}`], []));
  }

  /** Redis expires keys itself. */
  async deleteExpired(): Promise<number> {
    return 0;
  }

  #key(model: string, id: string): string {
    return `${this.#prefix}oa:${model}:${id}`;
  }

  async #read(key: string): Promise<OAuthArtifact | undefined> {
    const hash = await this.#redis.hgetall(key);
    if (hash.payload === undefined) return undefined;
    const payload: unknown = JSON.parse(hash.payload);
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
      throw new Error(`${key}: payload is not a JSON object`);
    return {
      payload: payload as Record<string, unknown>,
      consumedAt: hash.consumedAt === undefined ? null : Number(hash.consumedAt),
    };
  }
}
