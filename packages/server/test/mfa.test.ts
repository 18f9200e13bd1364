import { join } from 'node:path';
import { ManualClock, totpCode } from '@gatehouse/core';
import { MemorySecondFactorStore, RecordingMailQueue } from '@gatehouse/testkit';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_TRANSACTION_TTL_MS } from '../src/commands/login.ts';
import { SECOND_STEP_LIMIT } from '../src/commands/login-second-step.ts';
import { rekey } from '../src/keys/rekey.ts';
import { deriveKey } from '../src/master-secret.ts';
import { TotpFactors } from '../src/mfa/totp-factors.ts';
import { totpSealedStore } from '../src/mfa/totp-sealing.ts';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  asSession,
  createHarness,
  createUser,
  type Harness,
  type LoggedIn,
  login,
  SESSION_COOKIE,
  sessionCookieFrom,
  strongPassword,
} from './harness.ts';

// Second factors end to end on a real node (SQLite), on a manual clock so codes are computed
// for the server's time, never raced against the wall clock.
let h: Harness;
const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
const mail = new RecordingMailQueue();
beforeAll(async () => {
  h = await createHarness({}, { clock, mail });
});
afterAll(() => h.close());

const STEP = 30_000;

interface Enrolled {
  user: { id: string; email: string };
  password: string;
  secret: string;
  recoveryCodes: string[];
}

/** A user with a confirmed authenticator app, enrolled through the JSON API; the clock moves on a step. */
async function enrolledUser(email: string): Promise<Enrolled> {
  const password = strongPassword();
  const user = await createUser(h, email, password);
  const session = await login(h.app, email, password);
  const started = await asSession(h.app, session, 'POST', '/account/mfa/totp', {
    name: 'Phone',
    current_password: password,
  });
  expect(started.statusCode).toBe(201);
  const { id, secret } = started.json<{ id: string; secret: string }>();
  const confirmed = await asSession(h.app, session, 'POST', `/account/mfa/totp/${id}/confirm`, {
    code: totpCode(secret, clock.now()),
  });
  expect(confirmed.statusCode).toBe(200);
  clock.advance(STEP);
  return {
    user,
    password,
    secret,
    recoveryCodes: confirmed.json<{ recovery_codes: string[] }>().recovery_codes,
  };
}

const passwordStep = (email: string, password: string) =>
  h.app.inject({ method: 'POST', url: '/login', payload: { email, password } });

async function transactionOf(email: string, password: string): Promise<string> {
  const response = await passwordStep(email, password);
  expect(response.statusCode).toBe(200);
  return response.json<{ transaction: string }>().transaction;
}

const secondStep = (payload: Record<string, string>) =>
  h.app.inject({ method: 'POST', url: '/login/mfa', payload });

describe('enrolment (JSON API)', () => {
  it('starts unconfirmed with a QR code rendered as SVG, and the first code activates it with ten recovery codes', async () => {
    const password = strongPassword();
    const user = await createUser(h, 'enrol@example.test', password);
    const session = await login(h.app, user.email, password);
    // A session alone cannot add a factor: the password is asked again.
    const without = await asSession(h.app, session, 'POST', '/account/mfa/totp', {
      name: 'Phone',
      current_password: 'not the password, only a session',
    });
    expect(without.statusCode).toBe(401);
    expect(await h.gatehouse.storage.secondFactors.listByUser(user.id)).toEqual([]);
    const started = await asSession(h.app, session, 'POST', '/account/mfa/totp', {
      name: 'Phone',
      current_password: password,
    });
    expect(started.headers['cache-control']).toBe('no-store');
    const body = started.json<{ id: string; secret: string; otpauth_uri: string; qr_svg: string }>();
    expect(body.otpauth_uri).toMatch(/^otpauth:\/\/totp\//);
    expect(body.qr_svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect((await asSession(h.app, session, 'GET', '/account/mfa')).json()).toMatchObject({
      factors: [{ id: body.id, name: 'Phone', confirmed: false, last_used_at: null }],
      recovery_codes_left: 0,
    });
    // Unconfirmed: the password alone still signs in.
    expect((await passwordStep(user.email, password)).json()).not.toHaveProperty('mfa_required');
    const wrong = await asSession(h.app, session, 'POST', `/account/mfa/totp/${body.id}/confirm`, {
      code: '000000',
    });
    expect(wrong.statusCode).toBe(400);
    const ok = await asSession(h.app, session, 'POST', `/account/mfa/totp/${body.id}/confirm`, {
      code: totpCode(body.secret, clock.now()),
    });
    expect(ok.json<{ recovery_codes: string[] }>().recovery_codes).toHaveLength(10);
    expect(mail.lastTo(user.email)?.template).toBe('second-factor-changed');
    expect((await asSession(h.app, session, 'GET', '/account/mfa')).json()).toMatchObject({
      factors: [{ confirmed: true }],
      recovery_codes_left: 10,
    });
  });

  it('keeps TOTP secrets encrypted at rest (a raw read of the database)', async () => {
    const { user, secret } = await enrolledUser('at-rest@example.test');
    const db = new SqliteDatabase(join(h.dataDir, 'gatehouse.db'), { readonly: true });
    try {
      const rows = db.prepare('select * from second_factors where user_id = ?').all(user.id);
      expect(rows).toHaveLength(1);
      const raw = JSON.stringify(rows);
      expect(raw).not.toContain(secret);
      expect(raw).toMatch(/"sealed_secret":"v2\./);
      const codes = db.prepare('select code_hash from recovery_codes where user_id = ?').all(user.id);
      expect(codes).toHaveLength(10);
      for (const row of codes as { code_hash: string }[]) expect(row.code_hash).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      db.close();
    }
  });
});

describe('TOTP secrets under a rotated master secret', () => {
  it('rekey re-seals them under the new key, and the factor still verifies', async () => {
    const store = new MemorySecondFactorStore();
    const oldKey = deriveKey('old secret that is long enough', 'totp-secrets');
    const newKey = deriveKey('new secret that is long enough', 'totp-secrets');
    const before = new TotpFactors({ store, keys: [oldKey], clock, issuerName: 'test' });
    const { factor, secret } = await before.enrol({ id: 'u1', email: 'u1@example.test' }, 'Phone');
    expect(await before.confirm('u1', factor.id, totpCode(secret, clock.now()))).toBe(true);
    const progress = await rekey([totpSealedStore(store, [newKey, oldKey])], { batch: 10 });
    expect(progress).toEqual([{ store: 'totp-secrets', scanned: 1, rekeyed: 1, current: 0, skipped: 0 }]);
    const after = new TotpFactors({ store, keys: [newKey], clock, issuerName: 'test' });
    expect(await after.verify('u1', totpCode(secret, clock.now() + STEP))).toBe(true);
  });
});

describe('signing in with a second factor (JSON)', () => {
  it('answers mfa_required with a transaction: no cookie, no session', async () => {
    const { user, password } = await enrolledUser('mfa-login@example.test');
    const before = (await h.gatehouse.storage.sessions.listByUser(user.id)).length;
    const response = await passwordStep(user.email, password);
    expect(response.statusCode).toBe(200);
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json()).toEqual({
      mfa_required: true,
      transaction: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      factors: ['totp', 'recovery_code'],
      expires_at: new Date(clock.now() + LOGIN_TRANSACTION_TTL_MS).toISOString(),
    });
    expect((await h.gatehouse.storage.sessions.listByUser(user.id)).length).toBe(before);
  });

  it('a half-authenticated login cannot reach /account, the admin API, API-key creation or token issuance', async () => {
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const adminSession = await asSession(h.app, admin, 'POST', '/account/mfa/totp', {
      name: 'Key',
      current_password: ADMIN_PASSWORD,
    });
    const { id, secret } = adminSession.json<{ id: string; secret: string }>();
    await asSession(h.app, admin, 'POST', `/account/mfa/totp/${id}/confirm`, {
      code: totpCode(secret, clock.now()),
    });
    clock.advance(STEP);
    const transaction = await transactionOf(ADMIN_EMAIL, ADMIN_PASSWORD);
    for (const headers of [
      { cookie: `${SESSION_COOKIE}=${transaction}` },
      { authorization: `Bearer ${transaction}` },
    ]) {
      const account = await h.app.inject({
        method: 'GET',
        url: '/account',
        headers: { ...headers, accept: 'application/json' },
      });
      expect(account.statusCode).toBe(401);
      const users = await h.app.inject({ method: 'GET', url: '/admin/v1/users', headers });
      expect(users.statusCode).toBe(401);
      const key = await h.app.inject({
        method: 'POST',
        url: '/account/api-keys',
        headers: { ...headers, 'x-csrf-token': 'x' },
        payload: { name: 'sneaky', scopes: ['notes:read'] },
      });
      expect([401, 403]).toContain(key.statusCode);
    }
    // Nor does it pass for a refresh token: no token is issued from it.
    const refresh = await h.app.inject({
      method: 'POST',
      url: '/token/refresh',
      payload: { refresh_token: transaction },
    });
    expect(refresh.statusCode).toBe(400);
    // The admin finishes with a code; then resets their own factors for the other tests.
    const done = await secondStep({ transaction, code: totpCode(secret, clock.now()) });
    expect(done.statusCode).toBe(200);
    const reset = await asSession(h.app, admin, 'POST', `/admin/v1/users/${admin.userId}/mfa/reset`);
    expect(reset.json()).toEqual({ removed: 1 });
  });

  it('completes with the TOTP code: a session recorded as password+totp, as a password login answers', async () => {
    const { user, password, secret } = await enrolledUser('totp-ok@example.test');
    const transaction = await transactionOf(user.email, password);
    const response = await secondStep({ transaction, code: totpCode(secret, clock.now()) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ user: { id: user.id }, session: { id: expect.any(String) } });
    const token = sessionCookieFrom(response);
    expect(token).toBeDefined();
    const active = await h.gatehouse.sessions.resolve(token!);
    expect(active?.record.authMethod).toBe('password+totp');
    const account = await h.app.inject({
      method: 'GET',
      url: '/account',
      headers: { cookie: `${SESSION_COOKIE}=${token}`, accept: 'application/json' },
    });
    expect(account.statusCode).toBe(200);
    // The transaction finished: it does not sign in twice.
    expect((await secondStep({ transaction, code: totpCode(secret, clock.now() + STEP) })).statusCode).toBe(
      401,
    );
  });

  it('review: a pending second step dies with a new password, a sign-out everywhere and a disabled account', async () => {
    const { user, password, secret } = await enrolledUser('pending-step@example.test');
    // The owner changes the password (an administrator's set here): a transaction started before is dead.
    const beforeChange = await transactionOf(user.email, password);
    const next = strongPassword();
    await h.gatehouse.accounts.setPassword(user.id, next);
    expect(
      (await secondStep({ transaction: beforeChange, code: totpCode(secret, clock.now()) })).statusCode,
    ).toBe(401);
    // An administrator signs the user out everywhere.
    const beforeSignOut = await transactionOf(user.email, next);
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    expect((await asSession(h.app, admin, 'DELETE', `/admin/v1/users/${user.id}/sessions`)).statusCode).toBe(
      200,
    );
    clock.advance(STEP);
    expect(
      (await secondStep({ transaction: beforeSignOut, code: totpCode(secret, clock.now()) })).statusCode,
    ).toBe(401);
    // A disabled account.
    const beforeDisable = await transactionOf(user.email, next);
    await h.gatehouse.accounts.setDisabled(user.id, true);
    clock.advance(STEP);
    expect(
      (await secondStep({ transaction: beforeDisable, code: totpCode(secret, clock.now()) })).statusCode,
    ).toBe(401);
    expect(await h.gatehouse.storage.loginTransactions.find('x'.repeat(64), clock.now())).toBeUndefined();
  });

  it('refuses a TOTP code the second time (replay), even in a new login', async () => {
    const { user, password, secret } = await enrolledUser('replay@example.test');
    const code = totpCode(secret, clock.now());
    expect(
      (await secondStep({ transaction: await transactionOf(user.email, password), code })).statusCode,
    ).toBe(200);
    const replay = await secondStep({ transaction: await transactionOf(user.email, password), code });
    expect(replay.statusCode).toBe(401);
  });

  it('answers a wrong code with the generic refusal, and throttles guesses per user without touching the password step', async () => {
    const { user, password, secret } = await enrolledUser('brute@example.test');
    const transaction = await transactionOf(user.email, password);
    const good = totpCode(secret, clock.now());
    const wrong = good === '000000' ? '111111' : '000000';
    const first = await secondStep({ transaction, code: wrong });
    expect(first.statusCode).toBe(401);
    const unknownTx = await secondStep({ transaction: 'x'.repeat(43), code: wrong });
    expect(unknownTx.statusCode).toBe(401);
    expect(unknownTx.json().detail).toBe(first.json().detail);
    for (let i = 1; i < SECOND_STEP_LIMIT; i++)
      expect((await secondStep({ transaction, code: wrong })).statusCode).toBe(401);
    const throttled = await secondStep({ transaction, code: good });
    expect(throttled.statusCode).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    // The password step still answers (no lockout an attacker can trigger through this step).
    expect((await passwordStep(user.email, password)).json()).toMatchObject({ mfa_required: true });
  });

  it('takes a recovery code once, says how many are left and emails the user', async () => {
    const { user, password, recoveryCodes } = await enrolledUser('recovery@example.test');
    const [code = ''] = recoveryCodes;
    const used = await secondStep({
      transaction: await transactionOf(user.email, password),
      recovery_code: code.toUpperCase(),
    });
    expect(used.statusCode).toBe(200);
    expect(used.json()).toMatchObject({ recovery_codes_left: 9, user: { id: user.id } });
    expect(mail.lastTo(user.email)).toMatchObject({ template: 'recovery-code-used', values: { left: '9' } });
    const token = sessionCookieFrom(used)!;
    expect((await h.gatehouse.sessions.resolve(token))?.record.authMethod).toBe('password+recovery_code');
    const again = await secondStep({
      transaction: await transactionOf(user.email, password),
      recovery_code: code,
    });
    expect(again.statusCode).toBe(401);
  });

  it('lets a transaction expire, and finish once when two second steps race', async () => {
    const { user, password, recoveryCodes } = await enrolledUser('race@example.test');
    const stale = await transactionOf(user.email, password);
    clock.advance(LOGIN_TRANSACTION_TTL_MS);
    expect((await secondStep({ transaction: stale, recovery_code: recoveryCodes[0] ?? '' })).statusCode).toBe(
      401,
    );
    const transaction = await transactionOf(user.email, password);
    const results = await Promise.all([
      secondStep({ transaction, recovery_code: recoveryCodes[1] ?? '' }),
      secondStep({ transaction, recovery_code: recoveryCodes[2] ?? '' }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it('answers the password step with the same shape for every user with a factor', async () => {
    const a = await enrolledUser('shape-a@example.test');
    const b = await enrolledUser('shape-b@example.test');
    // b has used and lost every recovery code: the answer still names the same factors.
    await h.gatehouse.storage.recoveryCodes.replace(b.user.id, [], clock.now());
    const keysOf = async (e: Enrolled) => {
      const body = (await passwordStep(e.user.email, e.password)).json<Record<string, unknown>>();
      return { keys: Object.keys(body).sort(), factors: body.factors };
    };
    expect(await keysOf(a)).toEqual(await keysOf(b));
  });
});

describe('managing factors', () => {
  it('removes a factor only with the current password, warns when it was the last, and emails the user', async () => {
    const enrolled = await enrolledUser('remove@example.test');
    const { user, password } = enrolled;
    const session = await secondStepSession(enrolled);
    const [factor] = (await asSession(h.app, session, 'GET', '/account/mfa')).json<{
      factors: { id: string }[];
    }>().factors;
    const refused = await asSession(h.app, session, 'POST', `/account/mfa/${factor?.id}/remove`, {
      current_password: 'not it at all',
    });
    expect(refused.statusCode).toBe(401);
    const removed = await asSession(h.app, session, 'POST', `/account/mfa/${factor?.id}/remove`, {
      current_password: password,
    });
    expect(removed.json()).toEqual({ last_factor_removed: true });
    expect(mail.lastTo(user.email)?.template).toBe('second-factor-changed');
    expect((await passwordStep(user.email, password)).json()).not.toHaveProperty('mfa_required');
  });

  it('regenerates recovery codes: the old set stops working', async () => {
    const enrolled = await enrolledUser('regen@example.test');
    const { user, password, recoveryCodes } = enrolled;
    const session = await secondStepSession(enrolled);
    const regenerated = await asSession(h.app, session, 'POST', '/account/mfa/recovery-codes', {
      current_password: password,
    });
    expect(regenerated.headers['cache-control']).toBe('no-store');
    const fresh = regenerated.json<{ recovery_codes: string[] }>().recovery_codes;
    expect(fresh).toHaveLength(10);
    const old = await secondStep({
      transaction: await transactionOf(user.email, password),
      recovery_code: recoveryCodes[5] ?? '',
    });
    expect(old.statusCode).toBe(401);
    const ok = await secondStep({
      transaction: await transactionOf(user.email, password),
      recovery_code: fresh[0] ?? '',
    });
    expect(ok.json()).toMatchObject({ recovery_codes_left: 9 });
  });
});

/** Signs in with the password and the current TOTP code; the clock then moves on a step. */
async function secondStepSession(e: Enrolled): Promise<LoggedIn> {
  const response = await secondStep({
    transaction: await transactionOf(e.user.email, e.password),
    code: totpCode(e.secret, clock.now()),
  });
  expect(response.statusCode).toBe(200);
  clock.advance(STEP);
  const body = response.json<{ user: { id: string }; session: { id: string }; csrf_token: string }>();
  const token = sessionCookieFrom(response)!;
  return {
    token,
    csrf: body.csrf_token,
    cookie: `${SESSION_COOKIE}=${token}`,
    userId: body.user.id,
    sessionId: body.session.id,
  };
}

describe('the sign-in page’s second step', () => {
  const loginCookie = (response: { cookies: { name: string; value: string }[] }, previous: string) =>
    response.cookies.find((c) => c.name === '__Host-gatehouse_login')?.value ?? previous;
  const csrfOf = (body: string) => /name="csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
  const post = (url: string, nonce: string, fields: Record<string, string>) =>
    h.app.inject({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `__Host-gatehouse_login=${nonce}`,
      },
      payload: new URLSearchParams(fields).toString(),
    });

  it('asks for the code in a second script-free form, offers a recovery code, and signs in to return_to', async () => {
    const { user, password, secret } = await enrolledUser('page-mfa@example.test');
    const page = await h.app.inject({ method: 'GET', url: '/login' });
    let nonce = loginCookie(page, '');
    const second = await post('/login', nonce, {
      email: user.email,
      password,
      csrf: csrfOf(page.body),
      return_to: '/account/sessions',
    });
    expect(second.statusCode).toBe(200);
    expect(second.headers['content-type']).toContain('text/html');
    expect(second.headers['content-security-policy']).toContain("script-src 'none'");
    expect(second.cookies.map((c) => c.name)).not.toContain(SESSION_COOKIE);
    expect(second.body).not.toContain('<script');
    expect(second.body).toContain('autocomplete="one-time-code"');
    expect(second.body).toContain('inputmode="numeric"');
    expect(second.body).toContain('Use a recovery code');
    const transaction = /name="transaction" value="([^"]+)"/.exec(second.body)?.[1] ?? '';
    expect(transaction).toMatch(/^[A-Za-z0-9_-]{43}$/);
    nonce = loginCookie(second, nonce);
    const base = { transaction, return_to: '/account/sessions' };

    const withoutCsrf = await post('/login/mfa', nonce, { ...base, code: '123456' });
    expect(withoutCsrf.statusCode).toBe(403);

    const recovery = await post('/login/mfa', nonce, {
      ...base,
      csrf: csrfOf(second.body),
      switch: 'recovery_code',
    });
    expect(recovery.statusCode).toBe(200);
    expect(recovery.body).toContain('name="recovery_code"');
    expect(recovery.body).not.toContain('autocomplete="one-time-code"');
    nonce = loginCookie(recovery, nonce);

    const good = totpCode(secret, clock.now());
    const wrong = await post('/login/mfa', nonce, {
      ...base,
      csrf: csrfOf(recovery.body),
      code: good === '000000' ? '111111' : '000000',
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('role="alert"');
    expect(wrong.body).toContain('The code is not valid, or this sign-in has expired.');
    nonce = loginCookie(wrong, nonce);

    const done = await post('/login/mfa', nonce, { ...base, csrf: csrfOf(wrong.body), code: good });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/account/sessions');
    expect(done.cookies.map((c) => c.name)).toContain(SESSION_COOKIE);
  });
});

describe('the account page’s two-step verification section', () => {
  const form = (as: LoggedIn, url: string, fields: Record<string, string>) =>
    h.app.inject({
      method: 'POST',
      url,
      headers: { cookie: as.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ csrf: as.csrf, ...fields }).toString(),
    });

  it('adds an authenticator app with a server-rendered QR code, shows recovery codes once, and removes it with the password', async () => {
    const password = strongPassword();
    const user = await createUser(h, 'page-enrol@example.test', password);
    const session = await login(h.app, user.email, password);
    const page = () =>
      h.app.inject({
        method: 'GET',
        url: '/account',
        headers: { cookie: session.cookie, accept: 'text/html' },
      });
    expect((await page()).body).toContain('Two-step verification is off');

    const enrolment = await form(session, '/account/mfa/totp/new', {
      name: 'Work phone',
      current_password: password,
    });
    expect(enrolment.statusCode).toBe(200);
    expect(enrolment.headers['cache-control']).toBe('no-store');
    expect(enrolment.body).toMatch(/<figure class="qr"[^>]*><svg/);
    expect(enrolment.body).not.toMatch(/<script|<img|src=/i);
    const secret = (/<code id="totp-secret">([^<]+)<\/code>/.exec(enrolment.body)?.[1] ?? '').replaceAll(
      ' ',
      '',
    );
    const action = /action="(\/account\/mfa\/totp\/[^"]+\/activate)"/.exec(enrolment.body)?.[1] ?? '';
    const codes = await form(session, action, { code: totpCode(secret, clock.now()) });
    expect(codes.statusCode).toBe(200);
    expect(codes.headers['cache-control']).toBe('no-store');
    expect(codes.body.match(/<li><code>/g)).toHaveLength(10);
    const listed = (await page()).body;
    expect(listed).toContain('Work phone');
    expect(listed).toContain('Recovery codes left: 10');
    expect(listed).toContain('This is your last second factor');

    const id = /action="\/account\/mfa\/(sf_[^/"]+)\/delete"/.exec(listed)?.[1] ?? '';
    const wrong = await form(session, `/account/mfa/${id}/delete`, { current_password: 'not the password' });
    expect(wrong.headers.location).toBe('/account?mfa_password=1#mfa');
    const removed = await form(session, `/account/mfa/${id}/delete`, { current_password: password });
    expect(removed.headers.location).toBe('/account?mfa_off=1#mfa');
    clock.advance(STEP);
  });
});
