import { type Invalidation, randomId } from '@gatehouse/core';
import {
  describeCounterStoreConformance,
  describeOAuthArtifactStoreConformance,
  describeRateLimiterConformance,
  describeSessionStoreConformance,
  HOUR,
  redisUrlOrSkip,
  sessionFor,
  sleep,
} from '@gatehouse/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRedisStores,
  RedisCounterStore,
  RedisInvalidationBus,
  RedisOAuthArtifactStore,
  RedisRateLimiter,
  RedisSessionStore,
} from '../src/index.ts';

const url = await redisUrlOrSkip();
const base = `gh_test_${randomId(6)}:`;
let redis: Redis;
let n = 0;
const freshPrefix = () => `${base}${n++}:`;

/** Redis 6 has no PEXPIRETIME; PTTL read against the local clock is exact to a few ms. */
async function expectExpiry(key: string, at: number): Promise<void> {
  const ttl = await redis.pttl(key);
  expect(ttl).toBeGreaterThan(0);
  expect(Math.abs(Date.now() + ttl - at)).toBeLessThan(250);
}

describe.skipIf(url === undefined)('redis', () => {
  beforeAll(() => {
    redis = new Redis(url ?? '');
  });

  afterAll(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${base}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  });

  describeOAuthArtifactStoreConformance(
    'redis',
    async () => ({
      store: new RedisOAuthArtifactStore(redis, { prefix: freshPrefix() }),
      cleanup: async () => {},
    }),
    { nativeTtl: true },
  );
  describeSessionStoreConformance(
    'redis',
    async () => ({ store: new RedisSessionStore(redis, { prefix: freshPrefix() }), cleanup: async () => {} }),
    { nativeTtl: true },
  );
  describeCounterStoreConformance('redis', async () => ({
    store: new RedisCounterStore(redis, { prefix: freshPrefix() }),
    cleanup: async () => {},
  }));

  describeRateLimiterConformance('redis', async () => ({
    store: new RedisRateLimiter(redis, { prefix: freshPrefix() }),
    cleanup: async () => {},
  }));

  describe('RedisSessionStore', () => {
    it('expires the session key at the earlier expiry, and the user set no earlier than the session', async () => {
      const prefix = freshPrefix();
      const store = new RedisSessionStore(redis, { prefix });
      const now = Date.now();
      const record = sessionFor('alice', now, {
        idleExpiresAt: now + HOUR,
        absoluteExpiresAt: now + 2 * HOUR,
      });
      await store.create(record);
      await expectExpiry(`${prefix}s:${record.idHash}`, now + HOUR);
      await expectExpiry(`${prefix}u:alice`, now + 2 * HOUR);
      // A shorter session must not shorten the set's life.
      await store.create(sessionFor('alice', now, { absoluteExpiresAt: now + HOUR }));
      await expectExpiry(`${prefix}u:alice`, now + 2 * HOUR);

      await store.touch(record.idHash, now + 10, now + 5 * HOUR);
      await expectExpiry(`${prefix}s:${record.idHash}`, now + 2 * HOUR);
    });

    it('prunes set members whose session expired', async () => {
      const prefix = freshPrefix();
      const store = new RedisSessionStore(redis, { prefix });
      const live = sessionFor('bob');
      const brief = sessionFor('bob', Date.now(), { idleExpiresAt: Date.now() + 50 });
      await store.create(live);
      await store.create(brief);
      await sleep(120);
      expect(await store.listByUser('bob')).toStrictEqual([live]);
      expect(await redis.smembers(`${prefix}u:bob`)).toEqual([live.idHash]);
    });

    it('treats a malformed hash as no session', async () => {
      const prefix = freshPrefix();
      await redis.hset(`${prefix}s:bad`, { userId: 'x', createdAt: 'soon' });
      expect(await new RedisSessionStore(redis, { prefix }).get('bad')).toBeUndefined();
    });
  });

  describe('RedisInvalidationBus', () => {
    it('delivers across nodes within a second, and exactly once locally', async () => {
      const channel = `${freshPrefix()}invalidations`;
      const [a, b] = [
        new RedisInvalidationBus(redis, { channel }),
        new RedisInvalidationBus(redis, { channel }),
      ];
      await Promise.all([a.ready(), b.ready()]);
      const seenA: Invalidation[] = [];
      const seenB: Invalidation[] = [];
      a.subscribe((message) => seenA.push(message));
      b.subscribe((message) => seenB.push(message));
      try {
        await a.publish({ type: 'user.changed', userId: 'u1' });
        expect(seenA).toEqual([{ type: 'user.changed', userId: 'u1' }]);
        await expect
          .poll(() => seenB, { timeout: 1000, interval: 10 })
          .toEqual([{ type: 'user.changed', userId: 'u1' }]);
        await sleep(200);
        expect(seenA).toHaveLength(1);
        expect(seenB).toHaveLength(1);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('ignores malformed messages and survives a throwing handler', async () => {
      const channel = `${freshPrefix()}invalidations`;
      const errors: unknown[] = [];
      const bus = new RedisInvalidationBus(redis, { channel, onError: (error) => errors.push(error) });
      await bus.ready();
      const seen: Invalidation[] = [];
      bus.subscribe(() => {
        throw new Error('handler bug');
      });
      bus.subscribe((message) => seen.push(message));
      try {
        for (const text of [
          'not json',
          'null',
          '{"origin":"x","message":{"type":"session.revoked"}}',
          '{"message":7}',
        ]) {
          await redis.publish(channel, text);
        }
        await redis.publish(
          channel,
          JSON.stringify({ origin: 'other', message: { type: 'roles.changed', extra: 1 } }),
        );
        await expect.poll(() => seen, { timeout: 1000, interval: 10 }).toEqual([{ type: 'roles.changed' }]);
        expect(errors).toHaveLength(1);
      } finally {
        await bus.close();
      }
    });
  });

  describe('createRedisStores', () => {
    it('connects, pings and closes', async () => {
      const stores = await createRedisStores(url ?? '', { prefix: freshPrefix() });
      await expect(stores.ping()).resolves.toBeUndefined();
      expect((await stores.counters.increment('k', 1000, Date.now())).count).toBe(1);
      await stores.close();
      await expect(stores.ping()).rejects.toThrow();
    });

    it('fails fast when Redis is unreachable', async () => {
      await expect(createRedisStores('redis://127.0.0.1:1', { prefix: freshPrefix() })).rejects.toThrow(
        /Cannot connect to Redis/,
      );
    });
  });
});
