import { MemoryCounterStore } from '@gatehouse/testkit';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import {
  defaultLoginThrottlePolicy,
  LoginThrottle,
  type LoginThrottlePolicy,
  type ThrottleVerdict,
} from '../src/login-throttle.ts';
import type { CounterStore } from '../src/ports.ts';

const T0 = Date.UTC(2026, 0, 1);
const WINDOW = 60_000;
const policy: LoginThrottlePolicy = {
  perAccountAndIp: { limit: 3, windowMs: WINDOW },
  perAccount: { limit: 5, windowMs: WINDOW },
  perIp: { limit: 10, windowMs: WINDOW },
  perDevice: { limit: 4, windowMs: WINDOW },
};

function setup(p: LoginThrottlePolicy = policy, counters: CounterStore = new MemoryCounterStore()) {
  const clock = new ManualClock(T0);
  return { clock, throttle: new LoginThrottle(counters, p, clock) };
}

const allowed = (verdicts: ThrottleVerdict[]) => verdicts.filter((v) => v.allowed).length;

async function attempts(
  throttle: LoginThrottle,
  n: number,
  account: (i: number) => string,
  ip: (i: number) => string,
) {
  const verdicts: ThrottleVerdict[] = [];
  for (let i = 0; i < n; i++) verdicts.push(await throttle.attempt(account(i), ip(i)));
  return verdicts;
}

function expectDenied(verdict: ThrottleVerdict | undefined, maxMs = WINDOW) {
  expect(verdict?.allowed).toBe(false);
  if (verdict?.allowed !== false) return;
  expect(verdict.retryAfterMs).toBeGreaterThan(0);
  expect(verdict.retryAfterMs).toBeLessThanOrEqual(maxMs);
}

describe('LoginThrottle', () => {
  it('has documented defaults: a few attempts per account per 15 minutes, no permanent lockout', () => {
    expect(defaultLoginThrottlePolicy.perAccountAndIp.limit).toBeLessThanOrEqual(100);
    expect(defaultLoginThrottlePolicy.perAccount.limit).toBeLessThanOrEqual(100);
    for (const rule of Object.values(defaultLoginThrottlePolicy)) {
      expect(rule.windowMs).toBeGreaterThan(0);
      expect(rule.windowMs).toBeLessThanOrEqual(15 * 60_000);
    }
  });

  it('per account and IP: the limit engages at limit+1 with a positive Retry-After', async () => {
    const { throttle, clock } = setup();
    const verdicts = await attempts(
      throttle,
      3,
      () => 'u1@example.test',
      () => '203.0.113.1',
    );
    expect(verdicts.every((v) => v.allowed)).toBe(true);
    clock.advance(10_000);
    const fourth = await throttle.attempt('u1@example.test', '203.0.113.1');
    expectDenied(fourth);
    expect(fourth).toEqual({ allowed: false, retryAfterMs: WINDOW - 10_000 });
    // Another IP for the same account is still allowed by this rule (per-account limit 5 not reached).
    expect(await throttle.attempt('u1@example.test', '203.0.113.2')).toEqual({ allowed: true });
    // Another account from the same IP too.
    expect(await throttle.attempt('u2@example.test', '203.0.113.1')).toEqual({ allowed: true });
  });

  it('per account: distributed guessing from many IPs engages at limit+1', async () => {
    const { throttle } = setup();
    const verdicts = await attempts(
      throttle,
      8,
      () => 'u1@example.test',
      (i) => `198.51.100.${i}`,
    );
    expect(verdicts.slice(0, 5).every((v) => v.allowed)).toBe(true);
    for (const v of verdicts.slice(5)) expectDenied(v);
    // Other accounts are unaffected.
    expect(await throttle.attempt('u2@example.test', '198.51.100.200')).toEqual({ allowed: true });
  });

  it('per IP: spraying one password over many accounts engages at limit+1 (RL-04)', async () => {
    const { throttle } = setup();
    const verdicts = await attempts(
      throttle,
      30,
      (i) => `user${i}@example.test`,
      () => '192.0.2.66',
    );
    expect(allowed(verdicts)).toBe(10);
    expect(verdicts.slice(0, 10).every((v) => v.allowed)).toBe(true);
    for (const v of verdicts.slice(10)) expectDenied(v);
    // Another source is unaffected.
    expect(await throttle.attempt('user0@example.test', '192.0.2.67')).toEqual({ allowed: true });
  });

  it('the window expiring lifts the limit; hammering during it does not extend it (no permanent lockout)', async () => {
    const { throttle, clock } = setup();
    await attempts(
      throttle,
      3,
      () => 'u1@example.test',
      () => '203.0.113.1',
    );
    for (let i = 0; i < 100; i++) {
      clock.advance(500);
      expectDenied(await throttle.attempt('u1@example.test', '203.0.113.1'));
    }
    clock.set(T0 + WINDOW - 1);
    const last = await throttle.attempt('u1@example.test', '203.0.113.1');
    expect(last).toEqual({ allowed: false, retryAfterMs: 1 });
    clock.set(T0 + WINDOW);
    expect(await throttle.attempt('u1@example.test', '203.0.113.1')).toEqual({ allowed: true });
  });

  it('Retry-After is the longest of the rules that are exceeded', async () => {
    const p: LoginThrottlePolicy = {
      perAccountAndIp: { limit: 1, windowMs: 10_000 },
      perAccount: { limit: 1, windowMs: 50_000 },
      perIp: { limit: 100, windowMs: 5_000 },
      perDevice: { limit: 1, windowMs: 5_000 },
    };
    const { throttle } = setup(p);
    expect(await throttle.attempt('a@example.test', '203.0.113.1')).toEqual({ allowed: true });
    expect(await throttle.attempt('a@example.test', '203.0.113.1')).toEqual({
      allowed: false,
      retryAfterMs: 50_000,
    });
  });

  it('succeeded resets the account counters, but not the per-IP counter', async () => {
    const { throttle } = setup();
    await attempts(
      throttle,
      3,
      () => 'u1@example.test',
      () => '203.0.113.1',
    );
    expectDenied(await throttle.attempt('u1@example.test', '203.0.113.1'));
    await throttle.succeeded('u1@example.test', '203.0.113.1');
    const after = await attempts(
      throttle,
      3,
      () => 'u1@example.test',
      () => '203.0.113.1',
    );
    expect(after.every((v) => v.allowed)).toBe(true); // 3 more allowed: both account counters were cleared
    expectDenied(await throttle.attempt('u1@example.test', '203.0.113.1'));

    // The IP counter keeps counting across successes (so a sprayer cannot reset it by logging in).
    const spray = setup();
    for (let i = 0; i < 10; i++) {
      expect(await spray.throttle.attempt(`s${i}@example.test`, '192.0.2.1')).toEqual({ allowed: true });
      await spray.throttle.succeeded(`s${i}@example.test`, '192.0.2.1');
    }
    expectDenied(await spray.throttle.attempt('s99@example.test', '192.0.2.1'));
  });

  it('succeeded from one IP also clears the per-account counter used by other IPs', async () => {
    const { throttle } = setup();
    await attempts(
      throttle,
      5,
      () => 'u1@example.test',
      (i) => `198.51.100.${i}`,
    );
    expectDenied(await throttle.attempt('u1@example.test', '198.51.100.99'));
    await throttle.succeeded('u1@example.test', '198.51.100.99');
    expect(await throttle.attempt('u1@example.test', '198.51.100.100')).toEqual({ allowed: true });
  });

  it('50 concurrent attempts produce exactly `limit` allowed (atomic counting)', async () => {
    const p: LoginThrottlePolicy = {
      perAccountAndIp: { limit: 10, windowMs: WINDOW },
      perAccount: { limit: 1000, windowMs: WINDOW },
      perIp: { limit: 1000, windowMs: WINDOW },
      perDevice: { limit: 1000, windowMs: WINDOW },
    };
    const { throttle } = setup(p);
    const verdicts = await Promise.all(
      Array.from({ length: 50 }, () => throttle.attempt('u1@example.test', '203.0.113.1')),
    );
    expect(allowed(verdicts)).toBe(10);
    for (const v of verdicts.filter((x) => !x.allowed)) expectDenied(v);

    // Same for the per-account rule from 50 IPs, and the per-IP rule over 50 accounts.
    const perAccount = setup({
      ...p,
      perAccountAndIp: { limit: 1000, windowMs: WINDOW },
      perAccount: { limit: 7, windowMs: WINDOW },
    });
    const a = await Promise.all(
      Array.from({ length: 50 }, (_, i) => perAccount.throttle.attempt('u1@example.test', `10.0.0.${i}`)),
    );
    expect(allowed(a)).toBe(7);
    const perIp = setup({
      ...p,
      perAccountAndIp: { limit: 1000, windowMs: WINDOW },
      perIp: { limit: 13, windowMs: WINDOW },
    });
    const b = await Promise.all(
      Array.from({ length: 50 }, (_, i) => perIp.throttle.attempt(`user${i}@example.test`, '10.0.0.1')),
    );
    expect(allowed(b)).toBe(13);
  });

  it('stores only hashes in counter keys: no email address or IP', async () => {
    const keys: string[] = [];
    const inner = new MemoryCounterStore();
    const recording: CounterStore = {
      increment: (key, windowMs, now) => {
        keys.push(key);
        return inner.increment(key, windowMs, now);
      },
      reset: (key) => {
        keys.push(key);
        return inner.reset(key);
      },
    };
    const { throttle } = setup(policy, recording);
    await throttle.attempt('secret.person@example.test', '203.0.113.77');
    await throttle.succeeded('secret.person@example.test', '203.0.113.77');
    expect(keys.length).toBe(5);
    for (const key of keys) {
      expect(key).not.toContain('secret.person');
      expect(key).not.toContain('example.test');
      expect(key).not.toContain('203.0.113.77');
      expect(key).toMatch(/^login:[a-z]+(:[0-9a-f]{32})+$/);
    }
  });

  it('an account name and an IP never share a counter', async () => {
    const p: LoginThrottlePolicy = {
      perAccountAndIp: { limit: 1000, windowMs: WINDOW },
      perAccount: { limit: 2, windowMs: WINDOW },
      perIp: { limit: 2, windowMs: WINDOW },
      perDevice: { limit: 1000, windowMs: WINDOW },
    };
    const { throttle } = setup(p);
    // The string "x" used as an account and as an IP must not add up.
    expect(await throttle.attempt('x', '1.1.1.1')).toEqual({ allowed: true });
    expect(await throttle.attempt('y', 'x')).toEqual({ allowed: true });
    expect(await throttle.attempt('x', '2.2.2.2')).toEqual({ allowed: true });
    expect(await throttle.attempt('z', 'x')).toEqual({ allowed: true });
  });

  it('issue 15 #4: a trusted device counts against its own limit only, not the account or the IP', async () => {
    const { throttle, clock } = setup();
    // The account's and the IP's limits are used up by someone else...
    await attempts(
      throttle,
      10,
      () => 'u1@example.test',
      () => '203.0.113.1',
    );
    expectDenied(await throttle.attempt('u1@example.test', '203.0.113.1'));
    // ...yet the trusted device, even at that address, has its own 4 attempts, then is refused.
    for (let i = 0; i < 4; i++)
      expect(await throttle.attemptFromDevice('nonce-a')).toEqual({ allowed: true });
    clock.advance(1_000);
    expect(await throttle.attemptFromDevice('nonce-a')).toEqual({
      allowed: false,
      retryAfterMs: WINDOW - 1_000,
    });
    // Another device is not affected, and the device's attempts did not count for the account.
    expect(await throttle.attemptFromDevice('nonce-b')).toEqual({ allowed: true });
    expect(await throttle.attempt('u2@example.test', '198.51.100.1')).toEqual({ allowed: true });
    const fresh = setup();
    for (let i = 0; i < 20; i++) await fresh.throttle.attemptFromDevice('nonce-c');
    expect(await fresh.throttle.attempt('u1@example.test', '203.0.113.1')).toEqual({ allowed: true });
  });

  it('issue 15 #4: a success from a trusted device clears its own counter only, not the account budget', async () => {
    const { throttle } = setup();
    for (let i = 0; i < 4; i++) await throttle.attemptFromDevice('nonce-a');
    await attempts(
      throttle,
      5,
      () => 'u1@example.test',
      (i) => `198.51.100.${i}`,
    );
    expectDenied(await throttle.attemptFromDevice('nonce-a'));
    expectDenied(await throttle.attempt('u1@example.test', '198.51.100.50'));
    // The owner signs in at home: their device is cleared, but the guesser's budget is not refilled.
    await throttle.succeeded('u1@example.test', '192.0.2.1', 'nonce-a');
    expect(await throttle.attemptFromDevice('nonce-a')).toEqual({ allowed: true });
    expectDenied(await throttle.attempt('u1@example.test', '198.51.100.51'));
  });

  it('issue 15 #4: device counter keys hold a hash of the nonce only', async () => {
    const keys: string[] = [];
    const inner = new MemoryCounterStore();
    const recording: CounterStore = {
      increment: (key, windowMs, now) => {
        keys.push(key);
        return inner.increment(key, windowMs, now);
      },
      reset: (key) => {
        keys.push(key);
        return inner.reset(key);
      },
    };
    const { throttle } = setup(policy, recording);
    await throttle.attemptFromDevice('the-device-nonce');
    await throttle.succeeded('u1@example.test', '203.0.113.1', 'the-device-nonce');
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key).not.toContain('the-device-nonce');
      expect(key).toMatch(/^login:d:[0-9a-f]{32}$/);
    }
    expect(keys[0]).toBe(keys[1]);
  });
});
