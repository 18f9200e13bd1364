import type { Invalidation } from '@gatehouse/core';
import { createRedisStores, type RedisStores } from '@gatehouse/store-redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultToolsAvailable } from './available.ts';
import { PrivateRedis } from './private-redis.ts';

/**
 * The fail-fast Redis settings (no offline queue, command timeouts) are the command connection's;
 * the invalidation subscriber must still come back by itself after Redis restarts.
 */
const available = faultToolsAvailable();

describe.skipIf(!available)('invalidation bus across a Redis restart', () => {
  let redis: PrivateRedis;
  let a: RedisStores;
  let b: RedisStores;
  const errors: unknown[] = [];

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    const options = { prefix: 'gh_bus_fault:', onError: () => {} };
    [a, b] = await Promise.all([
      createRedisStores(redis.url, { ...options, onError: (error: unknown) => errors.push(error) }),
      createRedisStores(redis.url, options),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()].map((p) => p?.catch(() => {})));
    await redis?.stop();
  });

  it('a node hears the other again after Redis was killed and restarted', async () => {
    const heard: Invalidation[] = [];
    b.bus.subscribe((message) => heard.push(message));
    await a.bus.publish({ type: 'roles.changed' });
    await expect.poll(() => heard.length, { timeout: 5000 }).toBe(1);

    await redis.kill();
    // While Redis is down a publish gives up at once (no offline queue), never waits, and never
    // fails the change it announces: this node's subscribers have it, the failure goes to onError.
    const local: Invalidation[] = [];
    const unsubscribe = a.bus.subscribe((message) => local.push(message));
    errors.length = 0;
    const started = performance.now();
    await a.bus.publish({ type: 'roles.changed' });
    expect(performance.now() - started).toBeLessThan(2500);
    expect(local).toEqual([{ type: 'roles.changed' }]);
    expect(errors.length).toBeGreaterThan(0);
    unsubscribe();

    await redis.restart();
    // Both connections reconnect and the subscriber re-subscribes by itself.
    await expect
      .poll(
        async () => {
          await a.bus.publish({ type: 'policies.changed' }).catch(() => {});
          return heard.some((m) => m.type === 'policies.changed');
        },
        { timeout: 20_000, interval: 250 },
      )
      .toBe(true);
  }, 60_000);
});
