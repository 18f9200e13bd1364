import { describe, expect, it } from 'vitest';
import { mailRetryAt } from '../src/index.ts';

describe('mailRetryAt', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 30_000, maxDelayMs: 100_000 };

  it('doubles the delay after each failed attempt, capped', () => {
    expect([1, 2, 3, 4].map((attempts) => mailRetryAt(attempts, 0, policy))).toEqual([
      30_000, 60_000, 100_000, 100_000,
    ]);
  });

  it('gives up once the attempts reach the maximum', () => {
    expect(mailRetryAt(5, 0, policy)).toBeNull();
    expect(mailRetryAt(1, 0, { ...policy, maxAttempts: 1 })).toBeNull();
  });
});
