import type { RateLimit, RateLimiter, RateLimitResult } from '@gatehouse/core';
import type { Redis } from 'ioredis';
import { integerReply, LuaScript } from './lua.ts';

/**
 * GCRA in one script, on Redis's clock, so every node shares one bucket per key and no two
 * concurrent requests can both take the last token. The stored value is the theoretical arrival
 * time in ms (kept with a fraction, since the interval need not be whole); it expires once the
 * bucket is full again. Replies: allowed, remaining, retry-after ms, reset ms.
 */
const TAKE = new LuaScript(`
local interval = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local nextTat = tat + interval
local allowAt = nextTat - window
if now < allowAt then
  return {0, 0, math.ceil(allowAt - now), math.ceil(tat - now)}
end
redis.call('SET', KEYS[1], string.format('%.3f', nextTat), 'PX', math.ceil(nextTat - now))
return {1, math.floor((window - (nextTat - now)) / interval + 0.000000001), 0, math.ceil(nextTat - now)}
`);

export class RedisRateLimiter implements RateLimiter {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, options: { prefix: string }) {
    this.#redis = redis;
    this.#prefix = `${options.prefix}rl:`;
  }

  async take(key: string, rule: RateLimit): Promise<RateLimitResult> {
    const windowMs = rule.windowSeconds * 1000;
    const reply = await TAKE.run(this.#redis, [this.#prefix + key], [windowMs / rule.limit, windowMs]);
    if (!Array.isArray(reply) || reply.length !== 4) throw new Error('unexpected Redis rate-limit reply');
    const [allowed, remaining, retryMs, resetMs] = reply.map(integerReply) as [
      number,
      number,
      number,
      number,
    ];
    return {
      allowed: allowed === 1,
      limit: rule.limit,
      windowSeconds: rule.windowSeconds,
      remaining,
      resetSeconds: Math.ceil(resetMs / 1000),
      retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil(retryMs / 1000)),
    };
  }
}
