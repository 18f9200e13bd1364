import { randomId } from '@gatehouse/core';
import { describeOAuthArtifactStoreConformance, redisUrlOrSkip } from '@gatehouse/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import { RedisOAuthArtifactStore } from '../src/index.ts';

const url = await redisUrlOrSkip();
const base = `gh_test_oa_${randomId(6)}:`;
let redis: Redis;
let n = 0;

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
      store: new RedisOAuthArtifactStore(redis, { prefix: `${base}${n++}:` }),
      cleanup: async () => {},
    }),
    { nativeTtl: true },
  );
});
