import { ManualClock } from '@gatehouse/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_TRANSACTION_TTL_MS, loginCommand } from '../src/commands/login.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createHarness, type Harness } from './harness.ts';

// The login command over a real node's services, with the one seam the next issue fills:
// which second factors a user owes.
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
});
