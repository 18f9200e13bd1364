import { ManualClock } from '@gatehouse/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createUser, type Harness, strongPassword } from './harness.ts';

const clock = new ManualClock(Date.now());
let h: Harness;
const pw = strongPassword();
const wrong = 'w'.repeat(pw.length);

beforeAll(async () => {
  h = await createHarness({}, { clock });
  await createUser(h, 'u1@example.test', pw);
});
afterAll(() => h.close());

function attempt(email: string, password: string, ip = '203.0.113.1') {
  return h.app.inject({ method: 'POST', url: '/login', payload: { email, password }, remoteAddress: ip });
}

describe('login throttling', () => {
  it('RL-01: concurrent guesses cannot pass the documented limit; 429 is generic, no-store, with Retry-After', async () => {
    const limit = h.config.loginLimitPerAccountAndIp;
    const results = await Promise.all(Array.from({ length: 50 }, () => attempt('u1@example.test', wrong)));
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(limit);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(50 - limit);
    const throttled = results.find((r) => r.statusCode === 429)!;
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(throttled.headers['cache-control']).toBe('no-store');
    expect(throttled.json().title).toBe('Too many requests');
    // Even the right password is refused while throttled (and is not checked).
    expect((await attempt('u1@example.test', pw)).statusCode).toBe(429);

    // A non-existent account is throttled identically.
    const ghosts = await Promise.all(Array.from({ length: 50 }, () => attempt('ghost@example.test', wrong)));
    expect(ghosts.filter((r) => r.statusCode === 401).length).toBe(statuses.filter((s) => s === 401).length);
  });

  it('RL-01: changing the client IP does not escape the per-account limit', async () => {
    clock.advance(h.config.loginLimitWindowSeconds * 1000 + 1);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++)
      statuses.push((await attempt('u1@example.test', wrong, `198.51.100.${i + 1}`)).statusCode);
    expect(statuses.indexOf(429)).toBeGreaterThan(0);
    expect(statuses.indexOf(429)).toBeLessThanOrEqual(h.config.loginLimitPerAccount);
  });

  it('RL-03: after the cool-down the owner logs in; there is no permanent lockout', async () => {
    expect((await attempt('u1@example.test', pw, '192.0.2.10')).statusCode).toBe(429);
    clock.advance(h.config.loginLimitWindowSeconds * 1000 + 1);
    expect((await attempt('u1@example.test', pw, '192.0.2.10')).statusCode).toBe(200);
  });

  it('RL-04: one password sprayed over 200 usernames from one source is stopped well before 200', async () => {
    clock.advance(h.config.loginLimitWindowSeconds * 1000 + 1);
    let firstThrottle = -1;
    for (let i = 0; i < 200; i++) {
      const response = await attempt(`spray${i}@example.test`, 'Spring2026!Spring2026!', '192.0.2.99');
      if (response.statusCode === 429) {
        firstThrottle = i;
        break;
      }
    }
    expect(firstThrottle).toBeGreaterThan(0);
    expect(firstThrottle).toBeLessThanOrEqual(h.config.loginLimitPerIp);
  });
});
