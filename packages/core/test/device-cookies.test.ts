import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { DeviceCookies, MAX_DEVICE_ENTRIES } from '../src/device-cookies.ts';

const DAY = 86_400_000;
const key = Buffer.alloc(32, 7);

function setup(maxAgeMs = 365 * DAY) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  return { clock, devices: new DeviceCookies(key, { maxAgeMs }, clock) };
}

describe('DeviceCookies (issue 15 #4)', () => {
  it('a cookie issued to a user is trusted for that user only, and names nobody', () => {
    const { devices } = setup();
    const value = devices.issue(undefined, 'user-a');
    expect(value).not.toContain('user-a');
    expect(value).toMatch(/^[A-Za-z0-9_-]{22}\.[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
    const nonce = devices.trustedNonce(value, 'user-a');
    expect(nonce).toBe(value.split('.')[0]);
    expect(devices.trustedNonce(value, 'user-b')).toBeUndefined();
    expect(devices.trustedNonce(value, '')).toBeUndefined();
    // Every login gets a new nonce.
    expect(devices.trustedNonce(devices.issue(undefined, 'user-a'), 'user-a')).not.toBe(nonce);
  });

  it('a forged, tampered, re-dated or other-key cookie is not trusted', () => {
    const { devices, clock } = setup();
    const value = devices.issue(undefined, 'user-a');
    const [nonce, issued, mac] = value.split('.') as [string, string, string];
    const flip = (s: string) => `${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`;
    for (const forged of [
      `${flip(nonce)}.${issued}.${mac}`,
      `${nonce}.${(Number.parseInt(issued, 36) + 1).toString(36)}.${mac}`,
      `${nonce}.${issued}.${flip(mac)}`,
      `${nonce}.${issued}`,
      '',
      'garbage',
      `${value}x`,
      value.repeat(20),
    ]) {
      expect(devices.trustedNonce(forged, 'user-a'), forged.slice(0, 40)).toBeUndefined();
      expect(devices.worthChecking(forged) && devices.trustedNonce(forged, 'user-a') !== undefined).toBe(
        false,
      );
    }
    const otherKey = new DeviceCookies(Buffer.alloc(32, 8), { maxAgeMs: 365 * DAY }, clock);
    expect(otherKey.trustedNonce(value, 'user-a')).toBeUndefined();
    expect(devices.worthChecking(undefined)).toBe(false);
    expect(devices.worthChecking('garbage')).toBe(false);
    expect(devices.worthChecking(value)).toBe(true);
  });

  it('issue 25 #2: a cookie issued under a previous secret is still trusted, and replaced at the next login', () => {
    const { clock } = setup();
    const previous = new DeviceCookies(Buffer.alloc(32, 8), { maxAgeMs: 365 * DAY }, clock);
    const value = previous.issue(undefined, 'user-a');
    const rotated = new DeviceCookies(key, { maxAgeMs: 365 * DAY }, clock, [Buffer.alloc(32, 8)]);
    expect(rotated.trustedNonce(value, 'user-a')).toBe(value.split('.')[0]);
    expect(rotated.trustedNonce(value, 'user-b')).toBeUndefined();
    // The next login issues under the current key and drops the old entry of that user.
    const next = rotated.issue(value, 'user-a');
    expect(next.split('~')).toHaveLength(1);
    expect(new DeviceCookies(key, { maxAgeMs: 365 * DAY }, clock).trustedNonce(next, 'user-a')).toBeDefined();
  });

  it('expires after its maximum age', () => {
    const { devices, clock } = setup(30 * DAY);
    const value = devices.issue(undefined, 'user-a');
    clock.advance(30 * DAY - 1000);
    expect(devices.trustedNonce(value, 'user-a')).toBeDefined();
    clock.advance(1000);
    expect(devices.trustedNonce(value, 'user-a')).toBeUndefined();
    expect(devices.worthChecking(value)).toBe(false);
  });

  it('one browser keeps the last few accounts; a new login replaces only its own entry', () => {
    const { devices } = setup();
    let value = devices.issue(undefined, 'user-a');
    value = devices.issue(value, 'user-b');
    expect(devices.trustedNonce(value, 'user-a')).toBeDefined();
    expect(devices.trustedNonce(value, 'user-b')).toBeDefined();
    const before = devices.trustedNonce(value, 'user-a');
    value = devices.issue(value, 'user-a');
    expect(value.split('~')).toHaveLength(2);
    expect(devices.trustedNonce(value, 'user-a')).not.toBe(before);
    for (let i = 0; i < 10; i++) value = devices.issue(value, `user-${i}`);
    expect(value.split('~')).toHaveLength(MAX_DEVICE_ENTRIES);
    expect(devices.trustedNonce(value, 'user-9')).toBeDefined();
    expect(devices.trustedNonce(value, 'user-a')).toBeUndefined();
    // Garbage around genuine entries is dropped at the next issue.
    expect(devices.issue(`junk~${value}`, 'user-x').split('~')).toHaveLength(MAX_DEVICE_ENTRIES);
    expect(devices.issue(`junk~${value}`, 'user-x')).not.toContain('junk');
  });
});
