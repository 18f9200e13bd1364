import type { Redis } from 'ioredis';

/**
 * A lease in Redis: `SET key owner NX PX ttl`. Whoever sets the key holds it until it expires; no
 * one renews or releases it, so a node that dies while holding it blocks the others for one TTL
 * at most. Used to run housekeeping on one node per period instead of on every node.
 */
export class RedisLease {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #owner: string;

  constructor(redis: Redis, options: { prefix: string; owner: string }) {
    this.#redis = redis;
    this.#prefix = options.prefix;
    this.#owner = options.owner;
  }

  /** True when this call took the lease `name` for `ttlMs`; false when another holder has it. */
  async acquire(name: string, ttlMs: number): Promise<boolean> {
    const result = await this.#redis.set(`${this.#prefix}lease:${name}`, this.#owner, 'PX', ttlMs, 'NX');
    return result === 'OK';
  }
}
