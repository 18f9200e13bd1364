import { Authenticator, LoginThrottle, ManualClock, type PasswordHasher } from '@gatehouse/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_TRANSACTION_TTL_MS, loginCommand } from '../src/commands/login.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createHarness, type Harness } from './harness.ts';

// The login command over a real node's services, with its seam forced: which second factors a
// user owes (the node answers it from the user's confirmed factors; mfa.test.ts covers that).
let h: Harness;
const clock = new ManualClock(Date.UTC(2026, 5, 1));
beforeAll(async () => {
  h = await createHarness({}, { clock });
});
afterAll(() => h.close());

const input = {
  email: ADMIN_EMAIL,
  password: ADMIN_PASSWORD,
  meta: { ip: '198.51.100.4', requestId: 'test', userAgent: 'vitest' },
  mode: 'session' as const,
  clientId: 'gatehouse',
};
const sessionsOfAdmin = async () => {
  const admin = await h.gatehouse.storage.users.findByEmail(ADMIN_EMAIL);
  return (await h.gatehouse.storage.sessions.listByUser(admin!.id)).length;
};

describe('the login command', () => {
  it('password alone completes the transaction: a session and a device cookie', async () => {
    const before = await sessionsOfAdmin();
    const result = await loginCommand({ ...h.gatehouse, secondFactorsFor: () => [] })(input);
    expect(result.kind).toBe('session');
    if (result.kind !== 'session') return;
    expect(result.record.authTime).toBe(clock.now());
    expect(result.deviceCookie).not.toBe('');
    expect(await sessionsOfAdmin()).toBe(before + 1);
  });

  it('a user owing a second factor gets a transaction id, never a session', async () => {
    const before = await sessionsOfAdmin();
    const result = await loginCommand({ ...h.gatehouse, secondFactorsFor: () => ['totp'] })(input);
    expect(result).toEqual({
      kind: 'second_factor_required',
      transactionId: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      factors: ['totp'],
      expiresAt: clock.now() + LOGIN_TRANSACTION_TTL_MS,
    });
    expect(await sessionsOfAdmin()).toBe(before);
  });

  it('a wrong password fails before any transaction', async () => {
    const login = loginCommand({ ...h.gatehouse, secondFactorsFor: () => ['totp'] });
    await expect(login({ ...input, password: 'not the password at all' })).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
  });

  it('unknown user, wrong and right password: one argon2 verification each, before any transaction', async () => {
    const g = h.gatehouse;
    // The node's own argon2 hasher, counted: the login must never skip (or double) the hash.
    const verified: string[] = [];
    const hasher: PasswordHasher = {
      hash: (password) => g.hasher.hash(password),
      needsRehash: (hash) => g.hasher.needsRehash(hash),
      verify: async (hash, password) => {
        verified.push(hash);
        return g.hasher.verify(hash, password);
      },
    };
    const dummyHash = await g.hasher.hash('a password no one has');
    const window = { limit: 100, windowMs: 60_000 };
    const authenticator = new Authenticator({
      users: g.storage.users,
      credentials: g.storage.credentials,
      hasher,
      throttle: new LoginThrottle(
        g.storage.counters,
        { perAccountAndIp: window, perAccount: window, perIp: window, perDevice: window },
        clock,
      ),
      devices: g.devices,
      audit: g.audit,
      clock,
      dummyHash,
    });
    const login = loginCommand({ ...g, authenticator, secondFactorsFor: () => [] });
    await expect(login({ ...input, email: 'nobody@example.test' })).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    expect(verified).toEqual([dummyHash]);
    await expect(login({ ...input, password: 'not the password at all' })).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    expect(await login(input)).toMatchObject({ kind: 'session' });
    expect(verified).toHaveLength(3);
    expect(verified.slice(1).every((hash) => hash !== dummyHash)).toBe(true);
  });
});
