import { type CounterStore, randomId } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { type MakeFixture, sleep, useFixture } from './fixtures.ts';

const MINUTE = 60_000;
/** Stores with native expiry derive `resetAt` from their own clock: allow rounding and a little skew. */
const CLOCK_SLACK_MS = 20;

/**
 * Uses real time (`Date.now()` as `now`) throughout: stores with native expiry (Redis) measure the
 * window on the server clock, stores that compare against `now` (memory, SQL) see the same time.
 */
export function describeCounterStoreConformance(name: string, make: MakeFixture<CounterStore>): void {
  describe(`${name}: CounterStore conformance`, () => {
    const fixture = useFixture(make);
    const key = () => `test:${randomId(8)}`;

    it('counts 1, 2, 3 within one window that ends windowMs after the first hit', async () => {
      const { store } = fixture();
      const k = key();
      const start = Date.now();
      const first = await store.increment(k, MINUTE, start);
      expect(first.count).toBe(1);
      expect(first.resetAt).toBeGreaterThan(start + MINUTE - 1000);
      expect(first.resetAt).toBeLessThanOrEqual(start + MINUTE + CLOCK_SLACK_MS);
      expect((await store.increment(k, MINUTE, Date.now())).count).toBe(2);
      // The window is fixed from the first hit: a later hit must not push its end out.
      await sleep(100);
      const third = await store.increment(k, MINUTE, Date.now());
      expect(third.count).toBe(3);
      expect(Math.abs(third.resetAt - first.resetAt)).toBeLessThanOrEqual(CLOCK_SLACK_MS);
    });

    it('keeps keys independent', async () => {
      const { store } = fixture();
      const [a, b] = [key(), key()];
      await store.increment(a, MINUTE, Date.now());
      await store.increment(a, MINUTE, Date.now());
      expect((await store.increment(b, MINUTE, Date.now())).count).toBe(1);
    });

    it('starts a new window once the previous one has ended', async () => {
      const { store } = fixture();
      const k = key();
      await store.increment(k, 200, Date.now());
      expect((await store.increment(k, 200, Date.now())).count).toBe(2);
      await sleep(350);
      const now = Date.now();
      const fresh = await store.increment(k, 200, now);
      expect(fresh.count).toBe(1);
      expect(fresh.resetAt).toBeGreaterThan(now);
      expect(fresh.resetAt).toBeLessThanOrEqual(now + 200 + CLOCK_SLACK_MS);
    });

    it('gives 50 concurrent increments exactly the counts 1..50', async () => {
      const { store } = fixture();
      const k = key();
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.increment(k, MINUTE, Date.now())),
      );
      const counts = results.map((result) => result.count).sort((a, b) => a - b);
      expect(counts).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });

    it('reset starts the count over', async () => {
      const { store } = fixture();
      const k = key();
      await store.increment(k, MINUTE, Date.now());
      await store.increment(k, MINUTE, Date.now());
      await store.reset(k);
      expect((await store.increment(k, MINUTE, Date.now())).count).toBe(1);
      await expect(store.reset(key())).resolves.toBeUndefined();
    });
  });
}
