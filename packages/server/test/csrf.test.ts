import { GatehouseError, hmacSha256 } from '@gatehouse/core';
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSessionCsrf, sessionCsrfToken } from '../src/http/csrf.ts';
import { deriveKey } from '../src/master-secret.ts';
import { createHarness, createUser, type Harness, type LoggedIn, login, strongPassword } from './harness.ts';

let h: Harness;
let u1: LoggedIn;
let u2: LoggedIn;
const pw = strongPassword();

beforeAll(async () => {
  h = await createHarness({ loginLimitPerAccountAndIp: 1000, loginLimitPerAccount: 1000 });
  await createUser(h, 'u1@example.test', pw);
  await createUser(h, 'u2@example.test', pw);
  u2 = await login(h.app, 'u2@example.test', pw);
});
afterAll(() => h.close());

const account = (cookie: string) => h.app.inject({ method: 'GET', url: '/account', headers: { cookie } });

describe('CSRF', () => {
  it('CSRF-01: state changes need the token of the caller’s own session', async () => {
    u1 = await login(h.app, 'u1@example.test', pw);
    const other = await login(h.app, 'u1@example.test', pw);
    const revoke = (headers: Record<string, string>) =>
      h.app.inject({
        method: 'DELETE',
        url: `/account/sessions/${other.sessionId}`,
        headers: { cookie: u1.cookie, ...headers },
      });
    expect((await revoke({})).statusCode).toBe(403);
    expect((await revoke({ 'x-csrf-token': u2.csrf })).statusCode).toBe(403);
    expect((await account(other.cookie)).statusCode).toBe(200);
    expect((await revoke({ 'x-csrf-token': u1.csrf })).statusCode).toBe(204);
    expect((await account(other.cookie)).statusCode).toBe(401);

    const password = (headers: Record<string, string>) =>
      h.app.inject({
        method: 'POST',
        url: '/account/password',
        headers: { cookie: u1.cookie, ...headers },
        payload: { current_password: pw, new_password: strongPassword() },
      });
    expect((await password({})).statusCode).toBe(403);
    expect((await password({ 'x-csrf-token': u2.csrf })).statusCode).toBe(403);
    const logout = await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie: u1.cookie } });
    expect(logout.statusCode).toBe(403);
    expect((await account(u1.cookie)).statusCode).toBe(200);
  });

  it('CSRF-02: cross-site and simple requests are refused, login included; GET/HEAD change nothing', async () => {
    const me = await login(h.app, 'u1@example.test', pw);
    const crossSite = [
      { origin: 'https://evil.test' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of crossSite) {
      const logout = await h.app.inject({
        method: 'POST',
        url: '/logout',
        headers: { cookie: me.cookie, 'x-csrf-token': me.csrf, ...headers },
      });
      expect(logout.statusCode).toBe(403);
      const loginAttempt = await h.app.inject({
        method: 'POST',
        url: '/login',
        headers,
        payload: { email: 'u1@example.test', password: pw },
      });
      expect(loginAttempt.statusCode).toBe(403);
      expect(loginAttempt.headers['set-cookie'] ?? '').not.toContain('gatehouse_session');
    }
    const simple = await h.app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ email: 'u1@example.test', password: pw }),
    });
    expect(simple.statusCode).toBe(415);
    const formWithoutToken = await h.app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ email: 'u1@example.test', password: pw }).toString(),
    });
    expect(formWithoutToken.statusCode).toBe(403);
    expect(formWithoutToken.headers['set-cookie'] ?? '').not.toContain('gatehouse_session');

    for (const method of ['GET', 'HEAD'] as const) {
      for (const url of [
        '/logout',
        `/account/sessions/${me.sessionId}`,
        '/account/password',
        '/admin/v1/users/0/disable',
      ]) {
        const response = await h.app.inject({ method, url, headers: { cookie: me.cookie } });
        expect([200, 405]).toContain(response.statusCode);
        if (response.statusCode === 405) expect(response.headers.allow).toBeTruthy();
      }
    }
    expect((await account(me.cookie)).statusCode).toBe(200);
    // Fetch Metadata decides when present: browsers send `Origin: null` on same-origin form posts
    // under our no-referrer policy, and `cross-site` can never be forged by a page.
    const nullOriginSameSite = await h.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { cookie: me.cookie, 'x-csrf-token': me.csrf, origin: 'null', 'sec-fetch-site': 'same-site' },
    });
    expect(nullOriginSameSite.statusCode).toBe(403);
    // Same-origin requests from the pages pass.
    const same = await h.app.inject({
      method: 'POST',
      url: '/logout',
      headers: {
        cookie: me.cookie,
        'x-csrf-token': me.csrf,
        origin: 'http://localhost:8080',
        'sec-fetch-site': 'same-origin',
      },
    });
    expect(same.statusCode).toBe(204);
  });
});

describe('CSRF tokens across a change of master secret', () => {
  it('issue 25 #2: a token issued under a previous secret verifies while PREVIOUS is set, not after', () => {
    const current = deriveKey('the-new-master-secret-from-the-vault-987654321', 'csrf');
    const previous = deriveKey('the-old-master-secret-that-leaked-0123456789', 'csrf');
    const request = (token: string) => ({ headers: { 'x-csrf-token': token } }) as unknown as FastifyRequest;
    const old = sessionCsrfToken(previous, 'session-hash');
    expect(() => checkSessionCsrf(request(old), [current, previous], 'session-hash')).not.toThrow();
    expect(() =>
      checkSessionCsrf(
        request(sessionCsrfToken(current, 'session-hash')),
        [current, previous],
        'session-hash',
      ),
    ).not.toThrow();
    expect(() => checkSessionCsrf(request(old), [current], 'session-hash')).toThrow(GatehouseError);
    expect(() => checkSessionCsrf(request(old), [current, previous], 'other-session')).toThrow(
      GatehouseError,
    );
  });
});

describe('remembered session CSRF tokens', () => {
  it('stay the HMAC of the session under that very key, past the memo bound and per key', () => {
    const first = deriveKey('a-master-secret-for-the-memo-test-0123456789', 'csrf');
    const second = deriveKey('another-master-secret-for-the-memo-0123456789', 'csrf');
    const expected = (key: Buffer, idHash: string) =>
      hmacSha256(key, `session:${idHash}`).toString('base64url');
    // Twice the bound, so the oldest entries are dropped and made again.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 20_001; i += 1_000) {
        expect(sessionCsrfToken(first, `s-${i}`)).toBe(expected(first, `s-${i}`));
        expect(sessionCsrfToken(second, `s-${i}`)).toBe(expected(second, `s-${i}`));
      }
      for (let i = 0; i < 20_000; i++) sessionCsrfToken(first, `filler-${round}-${i}`);
    }
    expect(sessionCsrfToken(first, 's-0')).not.toBe(sessionCsrfToken(second, 's-0'));
  });
});
