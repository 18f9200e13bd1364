import { ManualClock } from '@gatehouse/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap } from '../src/bootstrap.ts';
import { loadConfig } from '../src/config.ts';
import { createGatehouse } from '../src/gatehouse.ts';
import { createLogger } from '../src/logger.ts';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  asSession,
  createHarness,
  createUser,
  type Harness,
  login,
  strongPassword,
} from './harness.ts';

/**
 * One password policy for every path that sets a password: creation (admin API, CLI, the first
 * admin from the environment), the user's own change, an administrator's set. A short local part
 * ("al") used to let the whole address through, on every path.
 */
const EMAIL = 'al@example.test';
const WITH_EMAIL = 'al@example.test walks the long harbour';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('one password policy for every path', () => {
  it('issue 15 #5: password change refuses a password containing the email', async () => {
    const pw = strongPassword();
    await createUser(h, EMAIL, pw);
    const session = await login(h.app, EMAIL, pw);
    const change = await asSession(h.app, session, 'POST', '/account/password', {
      current_password: pw,
      new_password: WITH_EMAIL,
    });
    expect(change.statusCode).toBe(400);
    expect(change.json()).toMatchObject({ type: 'urn:gatehouse:error:password_policy' });
    expect(change.json().detail).toMatch(/email address/);
    // Nothing changed: the old password still signs in, the refused one does not.
    await login(h.app, EMAIL, pw);
    await expect(login(h.app, EMAIL, WITH_EMAIL)).rejects.toThrow();
  });

  it('issue 15 #5: creation, an administrator set and the first admin refuse it too', async () => {
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const create = await asSession(h.app, admin, 'POST', '/admin/v1/users', {
      email: 'al@example.org',
      password: 'al@example.org walks the long harbour',
    });
    expect(create.statusCode).toBe(400);
    expect(create.json()).toMatchObject({ type: 'urn:gatehouse:error:password_policy' });

    const user = await h.gatehouse.accounts.requireUser(EMAIL);
    await expect(h.gatehouse.accounts.setPassword(user.id, WITH_EMAIL)).rejects.toMatchObject({
      code: 'password_policy',
    });

    // The first admin from the environment: the error names the variable and the rule.
    const config = loadConfig(
      {},
      {
        dataDir: h.dataDir,
        nodeEnv: 'test',
        logLevel: 'silent',
        adminEmail: 'ad@example.test',
        adminPassword: 'ad@example.test walks the long harbour',
      },
    );
    const g = await createGatehouse(config, createLogger('silent'));
    try {
      await expect(bootstrap(g)).rejects.toThrow(/GATEHOUSE_ADMIN_PASSWORD.*email address/);
      expect(await g.accounts.findUser('ad@example.test')).toBeUndefined();
    } finally {
      await g.close();
    }
  });

  it('issue 15 #5: a refusal names the rule (the minimum length)', async () => {
    const user = await h.gatehouse.accounts.requireUser(EMAIL);
    await expect(h.gatehouse.accounts.setPassword(user.id, 'kq7 zm2 wv9')).rejects.toMatchObject({
      code: 'password_policy',
      detail: 'The password is too short: at least 15 characters.',
    });
  });
});

describe('re-authentication is throttled', () => {
  it('the current password: ten attempts per user per quarter hour, then refused even when right; email change shares the budget', async () => {
    const clock = new ManualClock(Date.now());
    const t = await createHarness({}, { clock });
    try {
      const pw = strongPassword();
      await createUser(t, 'reauth@example.test', pw);
      const session = await login(t.app, 'reauth@example.test', pw);
      const change = (current: string) =>
        asSession(t.app, session, 'POST', '/account/password', {
          current_password: current,
          new_password: strongPassword(),
        });
      for (let i = 0; i < 9; i++) expect((await change('not the password at all')).statusCode).toBe(401);
      const emailChange = await asSession(t.app, session, 'POST', '/account/email', {
        current_password: 'not the password either',
        new_email: 'elsewhere@example.test',
      });
      expect(emailChange.statusCode).toBe(401);
      // The eleventh attempt is over the budget: refused before the hash is looked at, right or not.
      const throttled = await change(pw);
      expect(throttled.statusCode).toBe(429);
      expect(throttled.headers['retry-after']).toBeDefined();
      expect(throttled.json()).toMatchObject({ type: 'urn:gatehouse:error:too_many_requests' });
      // The page's form says so instead of a problem document.
      const form = await t.app.inject({
        method: 'POST',
        url: '/account/password/change',
        headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          csrf: session.csrf,
          current_password: pw,
          new_password: strongPassword(),
        }).toString(),
      });
      expect(form.headers.location).toBe('/account?password_throttled=1#password');
      // Nothing changed, and sign-in (its own throttle) is not locked by this one.
      await login(t.app, 'reauth@example.test', pw);
      clock.advance(15 * 60_000 + 1);
      const next = strongPassword();
      const after = await asSession(t.app, session, 'POST', '/account/password', {
        current_password: pw,
        new_password: next,
      });
      expect(after.statusCode).toBe(200);
      await login(t.app, 'reauth@example.test', next);
    } finally {
      await t.close();
    }
  });
});
