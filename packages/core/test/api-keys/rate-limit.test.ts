import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gcraStep, InProcessRateLimiter, isValidRateLimit } from '../../src/rate-limit.ts';

describe('GCRA rate limit', () => {
  it('property: over any span of time, admits at most the burst plus one per interval', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 200 }),
        (limit, windowSeconds, gaps) => {
          const rule = { limit, windowSeconds };
          const interval = (windowSeconds * 1000) / limit;
          let tat: number | undefined;
          let now = 0;
          const allowedAt: number[] = [];
          for (const gap of gaps) {
            now += gap;
            const step = gcraStep(tat, now, rule);
            tat = step.tat;
            if (step.allowed) allowedAt.push(now);
            expect(step.remaining).toBeGreaterThanOrEqual(0);
            expect(step.remaining).toBeLessThan(limit);
          }
          // A token bucket: `limit` at once, then one per interval — the long-run rate is limit/window.
          for (let i = 0; i < allowedAt.length; i++) {
            for (let j = i; j < allowedAt.length; j++) {
              const span = allowedAt[j]! - allowedAt[i]!;
              expect(j - i + 1).toBeLessThanOrEqual(limit + Math.floor(span / interval + 1e-9));
            }
          }
        },
      ),
    );
  });

  it('property: a refusal says when to come back, and coming back then is allowed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 600 }),
        (limit, windowSeconds) => {
          const rule = { limit, windowSeconds };
          let tat: number | undefined;
          let refused: ReturnType<typeof gcraStep> | undefined;
          for (let i = 0; i <= limit && refused === undefined; i++) {
            const step = gcraStep(tat, 0, rule);
            tat = step.tat;
            if (!step.allowed) refused = step;
          }
          expect(refused).toBeDefined();
          expect(gcraStep(tat, refused!.retryAfterSeconds * 1000, rule).allowed).toBe(true);
        },
      ),
    );
  });

  it('validates rules', () => {
    expect(isValidRateLimit({ limit: 10, windowSeconds: 60 })).toBe(true);
    for (const bad of [
      { limit: 0, windowSeconds: 60 },
      { limit: 1.5, windowSeconds: 60 },
      { limit: 10, windowSeconds: 0 },
      { limit: 10, windowSeconds: 86_401 },
    ]) {
      expect(isValidRateLimit(bad)).toBe(false);
    }
  });

  it('bounds the in-process limiter’s memory', () => {
    let now = 0;
    const limiter = new InProcessRateLimiter({ now: () => now, maxKeys: 10 });
    for (let i = 0; i < 100; i++) limiter.takeSync(`k${i}`, { limit: 1, windowSeconds: 60 });
    now = 1;
    // The most recent key is still limited; old ones were evicted (their buckets forgotten).
    expect(limiter.takeSync('k99', { limit: 1, windowSeconds: 60 }).allowed).toBe(false);
  });
});
