import { describe, expect, it } from 'vitest';
import { RefreshRotation } from '../src/refresh-rotation.ts';
import { sha256Hex } from '../src/secrets.ts';

const T0 = Date.UTC(2026, 0, 1);
const policy = { idleMs: 60_000, absoluteMs: 600_000, reuseGraceMs: 30_000 };
const rotation = new RefreshRotation(policy, Buffer.alloc(32, 1));
const consumed = { consumedAt: T0, revokedAt: null, familyExpiresAt: T0 + 600_000 };

describe('RefreshRotation: the rule both token kinds follow', () => {
  it('derives one successor per token and key: the same again for a retry, another under another key', () => {
    const successor = rotation.successorOf('a'.repeat(43));
    expect(successor).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rotation.successorOf('a'.repeat(43))).toBe(successor);
    expect(rotation.successorOf('b'.repeat(43))).not.toBe(successor);
    expect(new RefreshRotation(policy, Buffer.alloc(32, 2)).successorOf('a'.repeat(43))).not.toBe(successor);
    expect(rotation.retryGrace('a'.repeat(43))).toEqual({
      successorIdHash: sha256Hex(successor),
      graceMs: 30_000,
    });
  });

  it('lifetimes: a token lives the idle time, never past its family; a family the absolute time, never past its cap', () => {
    expect(rotation.familyExpiresAt(T0)).toBe(T0 + 600_000);
    expect(rotation.familyExpiresAt(T0, T0 + 1000)).toBe(T0 + 1000);
    expect(rotation.tokenExpiresAt(T0, T0 + 600_000)).toBe(T0 + 60_000);
    expect(rotation.tokenExpiresAt(T0 + 590_000, T0 + 600_000)).toBe(T0 + 600_000);
  });

  it.each([
    {
      name: 'within the grace, successor not stored yet',
      token: consumed,
      successor: undefined,
      at: 29_999,
      retry: true,
    },
    {
      name: 'within the grace, successor unused',
      token: consumed,
      successor: { consumedAt: null, revokedAt: null },
      at: 1,
      retry: true,
    },
    { name: 'at the end of the grace', token: consumed, successor: undefined, at: 30_000, retry: false },
    {
      name: 'successor used',
      token: consumed,
      successor: { consumedAt: T0 + 1, revokedAt: null },
      at: 2,
      retry: false,
    },
    {
      name: 'successor revoked',
      token: consumed,
      successor: { consumedAt: null, revokedAt: T0 + 1 },
      at: 2,
      retry: false,
    },
    {
      name: 'token revoked',
      token: { ...consumed, revokedAt: T0 },
      successor: undefined,
      at: 1,
      retry: false,
    },
    {
      name: 'family expired',
      token: { ...consumed, familyExpiresAt: T0 + 1 },
      successor: undefined,
      at: 1,
      retry: false,
    },
    {
      name: 'never consumed',
      token: { ...consumed, consumedAt: null },
      successor: undefined,
      at: 1,
      retry: false,
    },
  ])(
    'a second presentation is a retry only while the rule holds: $name → $retry',
    ({ token, successor, at, retry }) => {
      expect(rotation.isRetry(token, successor, T0 + at)).toBe(retry);
    },
  );

  it('with no grace, nothing is a retry', () => {
    const strict = new RefreshRotation({ ...policy, reuseGraceMs: 0 }, Buffer.alloc(32, 1));
    expect(strict.isRetry(consumed, undefined, T0)).toBe(false);
  });
});
