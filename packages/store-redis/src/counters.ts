import type { CounterStore } from '@gatehouse/core';
import type { Redis } from 'ioredis';
import { integerReply, LuaScript } from './lua.ts';

/**
 * INCR and the window's expiry in one script, so concurrent attempts (on any node) each get their
 * own count. A key found without an expiry gets one: a counter must never outlive its window, or
 * an account would stay locked out forever.
 */
const INCREMENT = new LuaScript(`
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`);

export interface RedisCounterStoreOptions {
  /** Key prefix, e.g. `gatehouse:`; counters live under `${prefix}c:`. */
  prefix: string;
}

/** Fixed windows measured by Redis's own clock (key expiry); `resetAt` is `now` plus the time left. */
export class RedisCounterStore implements CounterStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, options: RedisCounterStoreOptions) {
    this.#redis = redis;
    this.#prefix = `${options.prefix}c:`;
  }

  async increment(key: string, windowMs: number, now: number): Promise<{ count: number; resetAt: number }> {
    if (!Number.isInteger(windowMs) || windowMs <= 0)
      throw new Error(`windowMs must be a positive integer: ${windowMs}`);
    const reply = await INCREMENT.run(this.#redis, [this.#prefix + key], [windowMs]);
    if (!Array.isArray(reply) || reply.length !== 2) throw new Error('unexpected Redis counter reply');
    return { count: integerReply(reply[0]), resetAt: now + integerReply(reply[1]) };
  }

  async reset(key: string): Promise<void> {
    await this.#redis.del(this.#prefix + key);
  }
}
