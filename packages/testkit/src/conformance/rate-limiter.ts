import { type RateLimiter, randomId } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { type MakeFixture, sleep, useFixture } from './fixtures.ts';

/** Real time throughout: shared limiters keep time on their server's clock. */
export function describeRateLimiterConformance(name: string, make: MakeFixture<RateLimiter>): void {
  describe(`${name}: RateLimiter conformance`, () => {
    const fixture = useFixture(make);
    const key = () => `test:${randomId(8)}`;

    it('allows a burst of `limit`, counting down, then refuses with a retry-after', async () => {
      const { store } = fixture();
      const k = key();
      const rule = { limit: 3, windowSeconds: 60 };
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await store.take(k, rule));
      expect(results.map((r) => [r.allowed, r.remaining])).toEqual([
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
      ]);
      const refused = results[3]!;
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(19);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(21);
      expect(refused.resetSeconds).toBeGreaterThanOrEqual(59);
      expect(refused.resetSeconds).toBeLessThanOrEqual(61);
      expect(refused).toMatchObject({ limit: 3, windowSeconds: 60 });
    });

    it('keeps keys independent', async () => {
      const { store } = fixture();
      const rule = { limit: 1, windowSeconds: 60 };
      const [a, b] = [key(), key()];
      expect((await store.take(a, rule)).allowed).toBe(true);
      expect((await store.take(a, rule)).allowed).toBe(false);
      expect((await store.take(b, rule)).allowed).toBe(true);
    });

    it('refills evenly over the window', async () => {
      const { store } = fixture();
      const k = key();
      const rule = { limit: 4, windowSeconds: 1 };
      for (let i = 0; i < 4; i++) expect((await store.take(k, rule)).allowed).toBe(true);
      expect((await store.take(k, rule)).allowed).toBe(false);
      await sleep(300);
      expect((await store.take(k, rule)).allowed).toBe(true);
      expect((await store.take(k, rule)).allowed).toBe(false);
    });

    it('never lets concurrent takes exceed the limit', async () => {
      const { store } = fixture();
      const k = key();
      const rule = { limit: 10, windowSeconds: 60 };
      const results = await Promise.all(Array.from({ length: 50 }, () => store.take(k, rule)));
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
    });
  });
}
