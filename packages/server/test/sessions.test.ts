import { ManualClock, sha256Hex } from '@gatehouse/core';
import { redisUrlOrSkip } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHarness,
  createUser,
  type Harness,
  login,
  SESSION_COOKIE,
  sessionCookieFrom,
  strongPassword,
} from './harness.ts';

const redisUrl = await redisUrlOrSkip();
const stores = [
  { name: 'SQLite session store', overrides: {} },
  ...(redisUrl === undefined
    ? []
    : [
        {
          name: 'Redis session store',
          overrides: { redisUrl, sessionStore: 'redis', redisPrefix: `gh-test-${Date.now()}-` },
        },
      ]),
];

describe.each(stores)('sessions on the $name', ({ overrides }) => {
  let h: Harness;
  const clock = new ManualClock(Date.now());
  const pw = strongPassword();
  const limits = { loginLimitPerAccountAndIp: 1000, loginLimitPerAccount: 1000, loginLimitPerIp: 10_000 };

  beforeAll(async () => {
    clock.set(Date.now());
    h = await createHarness({ ...overrides, ...limits }, { clock });
    await createUser(h, 'u1@example.test', pw);
    await createUser(h, 'u2@example.test', pw);
  });
  afterAll(() => h.close());

  const account = (cookie: string) => h.app.inject({ method: 'GET', url: '/account', headers: { cookie } });

  it('SESS-01: the cookie is __Host-, Secure, HttpOnly, Path=/, SameSite=Lax, no Domain, bounded lifetime', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: 'u1@example.test', password: pw },
    });
    const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE)!;
    expect(cookie.secure).toBe(true);
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.path).toBe('/');
    expect(cookie.sameSite).toBe('Lax');
    expect(cookie.domain).toBeUndefined();
    expect(cookie.maxAge).toBeLessThanOrEqual(h.config.sessionAbsoluteTimeoutSeconds);
  });

  it('SESS-02: login ignores attacker-chosen and pre-login ids and issues a new one; unknown ids are anonymous', async () => {
    const planted = 'A'.repeat(43);
    expect((await account(`${SESSION_COOKIE}=${planted}`)).statusCode).toBe(401);
    const before = await login(h.app, 'u1@example.test', pw);
    const response = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: 'u1@example.test', password: pw },
      headers: { cookie: before.cookie },
    });
    const issued = sessionCookieFrom(response)!;
    expect(issued).not.toBe(planted);
    expect(issued).not.toBe(before.token);
    expect((await account(before.cookie)).statusCode).toBe(401);
    expect((await account(`${SESSION_COOKIE}=${planted}`)).statusCode).toBe(401);
    expect((await account(`${SESSION_COOKIE}=${issued}`)).statusCode).toBe(200);
  });

  it('SESS-03: 100 logins give 100 unique 256-bit ids, stored only as hashes', async () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 100; i++) tokens.add((await login(h.app, 'u2@example.test', pw)).token);
    expect(tokens.size).toBe(100);
    for (const token of tokens) {
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      const stored = await h.gatehouse.storage.sessions.get(sha256Hex(token));
      expect(stored).toBeDefined();
      expect(JSON.stringify(stored)).not.toContain(token);
    }
    expect(await h.gatehouse.storage.sessions.get(tokens.values().next().value!)).toBeUndefined();
  });

  it("SESS-04: logout kills the session and clears the cookie; a user's sessions are listed and revocable, others' are 404", async () => {
    const a = await login(h.app, 'u1@example.test', pw);
    const b = await login(h.app, 'u1@example.test', pw);
    const other = await login(h.app, 'u2@example.test', pw);
    const list = await h.app.inject({
      method: 'GET',
      url: '/account/sessions',
      headers: { cookie: a.cookie },
    });
    expect(list.statusCode).toBe(200);
    const ids = list.json().sessions.map((s: { id: string }) => s.id);
    expect(ids).toContain(b.sessionId);
    expect(ids).not.toContain(other.sessionId);
    const revoke = (id: string) =>
      h.app.inject({
        method: 'DELETE',
        url: `/account/sessions/${id}`,
        headers: { cookie: a.cookie, 'x-csrf-token': a.csrf },
      });
    expect((await revoke(b.sessionId)).statusCode).toBe(204);
    expect((await account(b.cookie)).statusCode).toBe(401);
    expect((await revoke(other.sessionId)).statusCode).toBe(404);
    expect((await account(other.cookie)).statusCode).toBe(200);
    const logout = await h.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { cookie: a.cookie, 'x-csrf-token': a.csrf },
    });
    expect(logout.statusCode).toBe(204);
    const cleared = logout.cookies.find((c) => c.name === SESSION_COOKIE)!;
    expect(cleared.maxAge).toBe(0);
    expect(logout.headers['clear-site-data']).toBe('"cache", "cookies", "storage"');
    expect((await account(a.cookie)).statusCode).toBe(401);
  });

  it('SESS-05: idle timeout ends a quiet session; rolling renewal keeps a busy one until the absolute limit', async () => {
    const short = new ManualClock(Date.now());
    const s5 = await createHarness(
      { ...overrides, ...limits, sessionIdleTimeoutSeconds: 2, sessionAbsoluteTimeoutSeconds: 6 },
      { clock: short },
    );
    try {
      await createUser(s5, 'u1@example.test', pw);
      const get = (cookie: string) => s5.app.inject({ method: 'GET', url: '/account', headers: { cookie } });
      const quiet = await login(s5.app, 'u1@example.test', pw);
      short.advance(3000);
      expect((await get(quiet.cookie)).statusCode).toBe(401);

      const busy = await login(s5.app, 'u1@example.test', pw);
      const statuses: number[] = [];
      for (let second = 1; second <= 8; second++) {
        short.advance(1000);
        statuses.push((await get(busy.cookie)).statusCode);
      }
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses.slice(6)).toEqual([401, 401]);
    } finally {
      await s5.close();
    }
  });

  it('SESS-06: disabling a user ends their sessions at once', async () => {
    const victim = await createUser(h, `victim-${Date.now()}@example.test`, pw);
    const session = await login(h.app, victim.email, pw);
    expect((await account(session.cookie)).statusCode).toBe(200);
    await h.gatehouse.accounts.setDisabled(victim.id, true);
    expect((await account(session.cookie)).statusCode).toBe(401);
    await h.gatehouse.accounts.setDisabled(victim.id, false);
    expect((await account(session.cookie)).statusCode).toBe(401);
  });

  it('LOGIN-06 / SESS-07: a password change needs the current password, ends other sessions and renews the id', async () => {
    const user = await createUser(h, `changer-${Date.now()}@example.test`, pw);
    const current = await login(h.app, user.email, pw);
    const other = await login(h.app, user.email, pw);
    const change = (payload: Record<string, string>) =>
      h.app.inject({
        method: 'POST',
        url: '/account/password',
        headers: { cookie: current.cookie, 'x-csrf-token': current.csrf },
        payload,
      });
    const next = strongPassword();
    expect((await change({ new_password: next })).statusCode).toBe(400);
    expect(
      (await change({ current_password: 'not the password at all', new_password: next })).statusCode,
    ).toBe(401);
    await login(h.app, user.email, pw); // the old password still works
    const ok = await change({ current_password: pw, new_password: next });
    expect(ok.statusCode).toBe(200);
    const renewed = sessionCookieFrom(ok)!;
    expect(renewed).not.toBe(current.token);
    expect((await account(other.cookie)).statusCode).toBe(401);
    expect((await account(current.cookie)).statusCode).toBe(401);
    expect((await account(`${SESSION_COOKIE}=${renewed}`)).statusCode).toBe(200);
    await expect(login(h.app, user.email, pw)).rejects.toThrow();
    await login(h.app, user.email, next);
  });

  it('an admin revokes all sessions of a user', async () => {
    const user = await createUser(h, `many-${Date.now()}@example.test`, pw);
    const s1 = await login(h.app, user.email, pw);
    const s2 = await login(h.app, user.email, pw);
    const admin = await login(h.app, 'admin@example.test', 'tangerine orbit quietly 4417');
    const response = await h.app.inject({
      method: 'DELETE',
      url: `/admin/v1/users/${user.id}/sessions`,
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().revoked).toBe(2);
    expect((await account(s1.cookie)).statusCode).toBe(401);
    expect((await account(s2.cookie)).statusCode).toBe(401);
  });
});
