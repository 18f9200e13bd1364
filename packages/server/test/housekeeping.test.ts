import { randomBytes } from 'node:crypto';
import { RedisLease } from '@gatehouse/store-redis';
import { openDatabase, runWithAdvisoryLock } from '@gatehouse/store-sql';
import { postgresUrlOrSkip, redisUrlOrSkip } from '@gatehouse/testkit';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Housekeeping, type HousekeepingLease } from '../src/housekeeping.ts';
import { redisHousekeepingLease, SINGLE_NODE_LEASE } from '../src/stores/open-storage.ts';

/** Issue 16 #6: cleanup runs on one node per period, not on every node every minute. */
const redisUrl = await redisUrlOrSkip();
const postgresUrl = await postgresUrlOrSkip();
const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function node(lease: HousekeepingLease, intervalMs: number, counter: { runs: number }) {
  return new Housekeeping({
    lease,
    intervalMs,
    tasks: [{ name: 'count', run: async () => void counter.runs++ }],
    logger: silent,
  });
}

describe.skipIf(redisUrl === undefined)('housekeeping with Redis: a lease per period', () => {
  const redis = redisUrl === undefined ? undefined : new Redis(redisUrl);
  afterAll(() => redis?.quit());

  it('two nodes ticking in the same periods: exactly one of them sweeps in each', async () => {
    const prefix = `gh_hk_${randomBytes(4).toString('hex')}:`;
    const counter = { runs: 0 };
    // Each node its own owner, as `openStorage` gives every node; PostgreSQL too, as in production.
    const lease = () =>
      redisHousekeepingLease(new RedisLease(redis!, { prefix, owner: randomBytes(8).toString('hex') }));
    const [a, b] = [node(lease(), 300, counter), node(lease(), 300, counter)];
    for (let period = 0; period < 5; period++) {
      const led = await Promise.all([a!.tick(), b!.tick()]);
      expect(led.filter(Boolean)).toHaveLength(1);
      // The lease lasts 90 % of the period: waiting a whole period frees it (a generous bound, so
      // a slow machine only makes periods longer, never two leaders in one).
      await sleep(350);
    }
    expect(counter.runs).toBe(5);
    expect(a!.runs + b!.runs).toBe(5);
  });
});

describe.skipIf(postgresUrl === undefined)('housekeeping with PostgreSQL alone: an advisory lock', () => {
  it('never two sweeps at once (transaction-scoped, so PgBouncer-safe)', async () => {
    const database = await openDatabase({ url: postgresUrl! });
    try {
      const name = `hk-${randomBytes(4).toString('hex')}`;
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let started!: () => void;
      const running = new Promise<void>((resolve) => {
        started = resolve;
      });
      const first = runWithAdvisoryLock(database.db, name, async () => {
        started();
        await held;
      });
      await running;
      expect(await runWithAdvisoryLock(database.db, name, async () => {})).toBe(false);
      release();
      expect(await first).toBe(true);
      // Released at commit: the next period may run.
      expect(await runWithAdvisoryLock(database.db, name, async () => {})).toBe(true);
    } finally {
      await database.close();
    }
  });
});

describe('housekeeping with SQLite', () => {
  it('one node, always the leader', async () => {
    const counter = { runs: 0 };
    const keeper = node(SINGLE_NODE_LEASE, 1000, counter);
    expect(await keeper.tick()).toBe(true);
    expect(await keeper.tick()).toBe(true);
    expect(counter.runs).toBe(2);
  });
});
