import { randomBytes } from 'node:crypto';
import { ManualClock } from '@gatehouse/core';
import { postgresUrlOrSkip, RecordingMailQueue } from '@gatehouse/testkit';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  strongPassword,
} from './harness.ts';
import { linkToken } from './mail-links.ts';
import { withRawDatabase } from './raw-database.ts';

const ISSUER = 'https://id.example.test';
const MINUTE = 60_000;

/** The response with what legitimately differs per request masked: its request id and date. */
function comparable(response: LightMyRequestResponse) {
  const { date: _date, 'x-request-id': _id, ...headers } = response.headers;
  return { status: response.statusCode, body: response.body, headers };
}

/** Every flow, on the store given: SQLite by default, PostgreSQL (a schema of its own) below. */
function describeFlows(name: string, store: { databaseUrl?: string; databaseSchema?: string } = {}) {
  describe(`account lifecycle (issue 18) on ${name}`, () => {
    let h: Harness;
    const mail = new RecordingMailQueue();
    const clock = new ManualClock(Date.now());
    let admin: LoggedIn;
    const post = (url: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
      h.app.inject({ method: 'POST', url, payload, headers });
    const settle = () => h.gatehouse.accountFlows.idle();

    beforeAll(async () => {
      h = await createHarness(
        {
          issuer: ISSUER,
          registration: 'open',
          mailLimitPerIp: 100_000,
          mailLimitPerAddress: 100_000,
          ...(store.databaseUrl === undefined ? {} : { databaseUrl: store.databaseUrl }),
        },
        {
          mail,
          clock,
          ...(store.databaseSchema === undefined ? {} : { databaseSchema: store.databaseSchema }),
        },
      );
      admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    });
    afterAll(() => h.close());

    it('sign-up → verification email → verify → email_verified everywhere → sign in', async () => {
      const email = 'new.person@example.test';
      const password = strongPassword();
      const signedUp = await post('/signup', { email, password, name: 'New Person' });
      expect(signedUp.statusCode).toBe(202);
      await settle();
      const sent = mail.lastTo(email);
      expect(sent).toMatchObject({ template: 'verify-email', values: { name: 'New Person', email } });
      expect(sent?.values.link).toMatch(new RegExp(`^${ISSUER}/verify-email\\?token=[A-Za-z0-9_-]{43}$`));
      const session = await login(h.app, email, password);
      expect((await asSession(h.app, session, 'GET', '/account')).json()).toMatchObject({
        email,
        email_verified: false,
      });
      const verified = await post('/verify-email', { token: linkToken(mail, email, 'verify-email') });
      expect(verified.statusCode).toBe(200);
      expect((await asSession(h.app, session, 'GET', '/account')).json().email_verified).toBe(true);
      const users = await asSession(h.app, admin, 'GET', '/admin/v1/users');
      expect(users.json().users.find((u: { email: string }) => u.email === email)).toMatchObject({
        email_verified: true,
      });
      expect((await h.gatehouse.accounts.profileOf(session.userId)).name).toBe('New Person');
      // Single use.
      expect(
        (await post('/verify-email', { token: linkToken(mail, email, 'verify-email') })).statusCode,
      ).toBe(400);
    });

    it('LIFE-01: sign-up answers byte-identically for a taken and a free address; the owner is told instead', async () => {
      const owner = await createUser(h, 'owner@example.test', strongPassword());
      const before = mail.requests.length;
      const taken = await post('/signup', { email: 'owner@example.test', password: strongPassword() });
      const free = await post('/signup', { email: 'free.one@example.test', password: strongPassword() });
      expect(comparable(taken)).toEqual(comparable(free));
      expect(taken.statusCode).toBe(202);
      await settle();
      // Both were completed after the responses, in either order.
      expect(
        mail.requests
          .slice(before)
          .map((r) => `${r.to} ${r.template}`)
          .sort(),
      ).toEqual(['free.one@example.test verify-email', 'owner@example.test signup-existing-account']);
      // The taken account is untouched: same id, still its own password.
      expect((await h.gatehouse.accounts.findUser('owner@example.test'))?.id).toBe(owner.id);
    });

    it('LOGIN-02/LOGIN-05 at registration: a password the policy refuses is refused before anything else', async () => {
      const short = await post('/signup', { email: 'short@example.test', password: 'x'.repeat(14) });
      expect(short.statusCode).toBe(400);
      expect(short.json().type).toBe('urn:gatehouse:error:password_policy');
      await settle();
      expect(mail.to('short@example.test')).toEqual([]);
    });

    it('the six-digit code in the same email verifies too; using it retires the link, and a wrong code or address answers alike', async () => {
      const email = 'coder@example.test';
      await post('/signup', { email, password: strongPassword() });
      await settle();
      const code = mail.lastTo(email)?.values.code ?? '';
      expect(code).toMatch(/^\d{6}$/);
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      const refusals = [
        await post('/verify-email/code', { email, code: wrong }),
        await post('/verify-email/code', { email: 'nobody.coder@example.test', code }),
      ];
      expect(refusals.map((r) => [r.statusCode, r.json().detail])).toEqual([
        [400, 'The code is invalid or has expired.'],
        [400, 'The code is invalid or has expired.'],
      ]);
      expect((await post('/verify-email/code', { email, code })).statusCode).toBe(200);
      expect((await h.gatehouse.accounts.findUser(email))?.emailVerified).toBe(true);
      expect(
        (await post('/verify-email', { token: linkToken(mail, email, 'verify-email') })).statusCode,
      ).toBe(400);
      expect((await post('/verify-email/code', { email, code })).statusCode).toBe(400);
    });

    it('LIFE-01: resend-verification answers identically for unknown, unverified and verified addresses; only the unverified one is emailed', async () => {
      await post('/signup', { email: 'pending@example.test', password: strongPassword() });
      await settle();
      const before = mail.requests.length;
      const responses = await Promise.all(
        ['pending@example.test', 'nobody.here@example.test', 'new.person@example.test'].map((email) =>
          post('/verify-email/resend', { email }),
        ),
      );
      for (const response of responses) expect(comparable(response)).toEqual(comparable(responses[0]!));
      expect(responses[0]!.statusCode).toBe(202);
      await settle();
      expect(mail.requests.slice(before).map((r) => r.to)).toEqual(['pending@example.test']);
      // Only the newest link works.
      const first = linkToken(mail, 'pending@example.test', 'verify-email');
      await post('/verify-email/resend', { email: 'pending@example.test' });
      await settle();
      expect((await post('/verify-email', { token: first })).statusCode).toBe(400);
      expect(
        (await post('/verify-email', { token: linkToken(mail, 'pending@example.test', 'verify-email') }))
          .statusCode,
      ).toBe(200);
    });

    it('LOGIN-09: forgot answers identically for existing, unknown and disabled addresses, emails only the existing one and changes nothing', async () => {
      const password = strongPassword();
      await createUser(h, 'forgetful@example.test', password);
      const disabled = await createUser(h, 'disabled@example.test', strongPassword());
      await h.gatehouse.accounts.setDisabled(disabled.id, true);
      const before = mail.requests.length;
      const responses = [];
      for (const email of ['forgetful@example.test', 'unknown.addr@example.test', 'disabled@example.test'])
        responses.push(await post('/forgot-password', { email }));
      for (const response of responses) expect(comparable(response)).toEqual(comparable(responses[0]!));
      expect(responses[0]!.json()).toEqual({
        status: 'accepted',
        detail: 'If that address is registered, we sent it a link to reset the password.',
      });
      await settle();
      expect(mail.requests.slice(before).map((r) => [r.to, r.template])).toEqual([
        ['forgetful@example.test', 'password-reset'],
      ]);
      await login(h.app, 'forgetful@example.test', password);
    });

    it('LOGIN-10: reset tokens are random 256-bit values, single use, expire after the TTL, die when a newer one is sent and reset only their own user', async () => {
      const email = 'tokens@example.test';
      const other = await createUser(h, 'bystander@example.test', strongPassword());
      await createUser(h, email, strongPassword());
      const tokens = new Set<string>();
      for (let i = 0; i < 30; i++) {
        await post('/forgot-password', { email });
        await settle();
        tokens.add(linkToken(mail, email, 'password-reset'));
      }
      expect(tokens.size).toBe(30);
      for (const token of tokens) expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      const [older, newest] = [...tokens].slice(-2) as [string, string];
      // An older one died when the newer was issued.
      expect((await post('/reset-password', { token: older, password: strongPassword() })).statusCode).toBe(
        400,
      );
      const password = strongPassword();
      // `user` is not a parameter at all: the token alone names whom it resets.
      expect((await post('/reset-password', { token: newest, password, user: other.id })).statusCode).toBe(
        400,
      );
      expect((await post('/reset-password', { token: newest, password })).statusCode).toBe(200);
      await login(h.app, email, password);
      // Single use.
      expect((await post('/reset-password', { token: newest, password: strongPassword() })).statusCode).toBe(
        400,
      );
      // Expiry: the default TTL is 30 minutes.
      await post('/forgot-password', { email });
      await settle();
      const late = linkToken(mail, email, 'password-reset');
      clock.advance(30 * MINUTE + 1000);
      try {
        expect((await post('/reset-password', { token: late, password: strongPassword() })).statusCode).toBe(
          400,
        );
      } finally {
        clock.advance(-(30 * MINUTE + 1000));
      }
    });

    it('reset tokens are stored hashed: the database holds no token from an email', async () => {
      await createUser(h, 'hashed@example.test', strongPassword());
      await post('/forgot-password', { email: 'hashed@example.test' });
      await settle();
      const token = linkToken(mail, 'hashed@example.test', 'password-reset');
      const rows = await withRawDatabase(
        h,
        (db) => db.selectFrom('account_tokens').selectAll().execute(),
        store.databaseSchema,
      );
      expect(rows.length).toBeGreaterThan(0);
      const dump = JSON.stringify(rows);
      expect(dump).not.toContain(token);
      for (const request of mail.requests)
        for (const value of Object.values(request.values)) {
          const raw = URL.canParse(value) ? new URL(value).searchParams.get('token') : null;
          if (raw) expect(dump).not.toContain(raw);
        }
    });

    it('Host-header injection: links are built from the configured issuer, never Host or X-Forwarded-Host', async () => {
      await createUser(h, 'host@example.test', strongPassword());
      await post(
        '/forgot-password',
        { email: 'host@example.test' },
        { host: 'evil.test', 'x-forwarded-host': 'evil.test', 'x-forwarded-proto': 'http' },
      );
      await settle();
      const link = mail.lastTo('host@example.test')?.values.link ?? '';
      expect(new URL(link).origin).toBe(ISSUER);
      expect(link).not.toContain('evil');
    });

    it('a reset sets no session, signs every session and refresh family out, sends a confirmation, and its page is no-referrer, no-store', async () => {
      const email = 'reset.me@example.test';
      const password = strongPassword();
      await createUser(h, email, password);
      const other = await login(h.app, email, password);
      const tokenLogin = await post('/login', { email, password, mode: 'token' });
      const { refresh_token } = tokenLogin.json();
      await post('/forgot-password', { email });
      await settle();
      const token = linkToken(mail, email, 'password-reset');
      const page = await h.app.inject({ method: 'GET', url: `/reset-password?token=${token}` });
      expect(page.statusCode).toBe(200);
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.body).toContain(`value="${token}"`);
      const newPassword = strongPassword();
      const reset = await post('/reset-password', { token, password: newPassword });
      expect(reset.statusCode).toBe(200);
      expect(reset.headers['set-cookie']).toBeUndefined();
      expect(reset.cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
      expect((await asSession(h.app, other, 'GET', '/account')).statusCode).toBe(401);
      const refreshed = await post('/token/refresh', { refresh_token });
      expect(refreshed.statusCode).toBe(400);
      expect(mail.lastTo(email)?.template).toBe('password-changed');
      // A reset proves the address.
      expect((await h.gatehouse.accounts.findUser(email))?.emailVerified).toBe(true);
    });

    it('LOGIN-02 at reset: a refused password leaves the link usable; a password change kills it', async () => {
      const email = 'policy.reset@example.test';
      const password = strongPassword();
      const user = await createUser(h, email, password);
      await post('/forgot-password', { email });
      await settle();
      const token = linkToken(mail, email, 'password-reset');
      const refused = await post('/reset-password', { token, password: 'short' });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().type).toBe('urn:gatehouse:error:password_policy');
      expect((await h.app.inject({ method: 'GET', url: `/reset-password?token=${token}` })).statusCode).toBe(
        200,
      );
      // The owner changes the password another way: the outstanding link dies.
      await h.gatehouse.accounts.setPassword(user.id, strongPassword());
      expect((await h.app.inject({ method: 'GET', url: `/reset-password?token=${token}` })).statusCode).toBe(
        400,
      );
      expect((await post('/reset-password', { token, password: strongPassword() })).statusCode).toBe(400);
    });

    it('the forms: CSRF token required, the page answers a browser with the same message for every address', async () => {
      const page = await h.app.inject({ method: 'GET', url: '/forgot-password' });
      expect(page.statusCode).toBe(200);
      const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      const form = (email: string, token = csrf) =>
        h.app.inject({
          method: 'POST',
          url: '/forgot-password',
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ email, csrf: token }).toString(),
        });
      expect((await form('forgetful@example.test', 'forged')).statusCode).toBe(403);
      const known = await form('forgetful@example.test');
      const unknown = await form('nobody.else@example.test');
      expect(known.statusCode).toBe(200);
      const strip = (body: string) => body.replace(/nonce="[^"]+"/g, '').replace(/value="[^"]+"/g, '');
      expect(strip(known.body)).toBe(strip(unknown.body));
      expect(known.body).toContain('If that address is registered');
      await settle();
    });

    it('SESS-07/LIFE-02: an email change needs the password, takes effect only from the new address, notifies the old one with an undo', async () => {
      const email = 'mover@example.test';
      const password = strongPassword();
      await createUser(h, email, password);
      const session = await login(h.app, email, password);
      const wrong = await asSession(h.app, session, 'POST', '/account/email', {
        current_password: strongPassword(),
        new_email: 'moved@example.test',
      });
      expect(wrong.statusCode).toBe(401);
      expect(mail.to('moved@example.test')).toEqual([]);
      const asked = await asSession(h.app, session, 'POST', '/account/email', {
        current_password: password,
        new_email: 'moved@example.test',
      });
      expect(asked.statusCode).toBe(202);
      expect((await h.gatehouse.accounts.findUser(email))?.email).toBe(email);
      const confirmed = await post('/email-change/confirm', {
        token: linkToken(mail, 'moved@example.test', 'email-change-verify'),
      });
      expect(confirmed.statusCode).toBe(200);
      const moved = await h.gatehouse.accounts.findUser('moved@example.test');
      expect(moved).toMatchObject({ email: 'moved@example.test', emailVerified: true });
      const notice = mail.lastTo(email);
      expect(notice).toMatchObject({
        template: 'email-change-notice',
        values: { new_email: 'moved@example.test' },
      });
      // The owner of the old address takes it back: every session ends.
      const undone = await post('/email-change/undo', {
        token: linkToken(mail, email, 'email-change-notice', 'undo_link'),
      });
      expect(undone.statusCode).toBe(200);
      expect((await h.gatehouse.accounts.findUser(email))?.id).toBe(moved?.id);
      expect(await h.gatehouse.accounts.findUser('moved@example.test')).toBeUndefined();
      expect((await asSession(h.app, session, 'GET', '/account')).statusCode).toBe(401);
    });

    it("LIFE-02: a change to another user's address answers as any other and is refused at confirmation, revealing nothing before", async () => {
      const password = strongPassword();
      await createUser(h, 'u1.change@example.test', password);
      await createUser(h, 'u2.taken@example.test', strongPassword());
      const session = await login(h.app, 'u1.change@example.test', password);
      const toTaken = await asSession(h.app, session, 'POST', '/account/email', {
        current_password: password,
        new_email: 'u2.taken@example.test',
      });
      const toFree = await asSession(h.app, session, 'POST', '/account/email', {
        current_password: password,
        new_email: 'u1.free@example.test',
      });
      expect(comparable(toTaken)).toEqual(comparable(toFree));
      const refused = await post('/email-change/confirm', {
        token: linkToken(mail, 'u2.taken@example.test', 'email-change-verify'),
      });
      // The earlier link was replaced by the later request; a fresh one to the taken address is refused.
      expect(refused.statusCode).toBe(400);
      await asSession(h.app, session, 'POST', '/account/email', {
        current_password: password,
        new_email: 'u2.taken@example.test',
      });
      const again = await post('/email-change/confirm', {
        token: linkToken(mail, 'u2.taken@example.test', 'email-change-verify'),
      });
      expect(again.statusCode).toBe(400);
      expect((await h.gatehouse.accounts.findUser('u2.taken@example.test'))?.email).toBe(
        'u2.taken@example.test',
      );
      expect(await h.gatehouse.accounts.findUser('u1.change@example.test')).toBeDefined();
    });

    it('review: an address given up by an email change stays its owner’s while the undo lives — sign-up cannot take it, a refused undo keeps its link', async () => {
      const email = 'vera@example.test';
      const password = strongPassword();
      await createUser(h, email, password);
      const session = await login(h.app, email, password);
      await asSession(h.app, session, 'POST', '/account/email', {
        current_password: password,
        new_email: 'attacker@elsewhere.test',
      });
      await post('/email-change/confirm', {
        token: linkToken(mail, 'attacker@elsewhere.test', 'email-change-verify'),
      });
      const undoToken = linkToken(mail, email, 'email-change-notice', 'undo_link');
      // The attacker tries to register the freed address: no account; its owner is told instead.
      const squat = await post('/signup', { email, password: strongPassword() });
      expect(squat.statusCode).toBe(202);
      await settle();
      expect(await h.gatehouse.accounts.findUser(email)).toBeUndefined();
      expect(mail.lastTo(email)?.template).toBe('signup-existing-account');
      // Nor can another account move to it.
      const otherPassword = strongPassword();
      await createUser(h, 'mallory@example.test', otherPassword);
      const mallory = await login(h.app, 'mallory@example.test', otherPassword);
      await asSession(h.app, mallory, 'POST', '/account/email', {
        current_password: otherPassword,
        new_email: email,
      });
      const moved = await post('/email-change/confirm', {
        token: linkToken(mail, email, 'email-change-verify'),
      });
      expect(moved.statusCode).toBe(400);
      // The undo wins, and signs the account out everywhere (OAuth grants and refresh families too).
      const undone = await post('/email-change/undo', { token: undoToken });
      expect(undone.statusCode).toBe(200);
      expect((await h.gatehouse.accounts.findUser(email))?.email).toBe(email);
      expect((await asSession(h.app, session, 'GET', '/account')).statusCode).toBe(401);
      const owner = await h.gatehouse.accounts.requireUser(email);
      const signedOut = await h.gatehouse.storage.audit.list({ limit: 20, subjectId: owner.id });
      expect(signedOut.map((event) => event.type)).toContain('sessions.revoked_all');
    });

    it('review: a failed undo (the address was taken meanwhile by other means) keeps its link', async () => {
      const email = 'keeps.link@example.test';
      const password = strongPassword();
      const user = await createUser(h, email, password);
      const session = await login(h.app, email, password);
      await asSession(h.app, session, 'POST', '/account/email', {
        current_password: password,
        new_email: 'keeps.link.new@example.test',
      });
      await post('/email-change/confirm', {
        token: linkToken(mail, 'keeps.link.new@example.test', 'email-change-verify'),
      });
      const undoToken = linkToken(mail, email, 'email-change-notice', 'undo_link');
      // An administrator creates an account at the old address (the one path the reservation does not guard).
      const squatter = await createUser(h, email, strongPassword());
      expect((await post('/email-change/undo', { token: undoToken })).statusCode).toBe(400);
      await h.gatehouse.accounts.deleteUser(squatter.id);
      expect((await post('/email-change/undo', { token: undoToken })).statusCode).toBe(200);
      expect((await h.gatehouse.accounts.findUser(email))?.id).toBe(user.id);
    });

    it('review: a password reset retires a pending email change; an invitation link dies once the account has a password', async () => {
      const email = 'pending.change@example.test';
      const password = strongPassword();
      await createUser(h, email, password);
      const session = await login(h.app, email, password);
      await asSession(h.app, session, 'POST', '/account/email', {
        current_password: password,
        new_email: 'hijack@elsewhere.test',
      });
      const changeToken = linkToken(mail, 'hijack@elsewhere.test', 'email-change-verify');
      await post('/forgot-password', { email });
      await settle();
      await post('/reset-password', {
        token: linkToken(mail, email, 'password-reset'),
        password: strongPassword(),
      });
      expect((await post('/email-change/confirm', { token: changeToken })).statusCode).toBe(400);
      expect((await h.gatehouse.accounts.findUser(email))?.email).toBe(email);

      // Invited, then the owner sets a password through a reset: the invitation link is dead.
      await asSession(h.app, admin, 'POST', '/admin/v1/invitations', { email: 'erin@example.test' });
      const invitation = linkToken(mail, 'erin@example.test', 'invitation');
      const erin = await h.gatehouse.accounts.requireUser('erin@example.test');
      const chosen = strongPassword();
      await h.gatehouse.accounts.setPassword(erin.id, chosen);
      expect((await post('/invitation', { token: invitation, password: strongPassword() })).statusCode).toBe(
        400,
      );
      await login(h.app, 'erin@example.test', chosen);

      // A disabled invitee is not invited again.
      await asSession(h.app, admin, 'POST', '/admin/v1/invitations', { email: 'carol@example.test' });
      const carol = await h.gatehouse.accounts.requireUser('carol@example.test');
      await h.gatehouse.accounts.setDisabled(carol.id, true);
      const again = await asSession(h.app, admin, 'POST', '/admin/v1/invitations', {
        email: 'carol@example.test',
      });
      expect(again.statusCode).toBe(409);
    });

    it('invitations: the admin API invites with roles; the invitee sets a password, is verified and signs in', async () => {
      await h.gatehouse.accounts.upsertRole({ name: 'editor', permissions: ['notes:write'] });
      const invited = await asSession(h.app, admin, 'POST', '/admin/v1/invitations', {
        email: 'guest@example.test',
        roles: ['editor'],
      });
      expect(invited.statusCode).toBe(201);
      expect(invited.json()).toMatchObject({
        email: 'guest@example.test',
        roles: ['editor'],
        email_verified: false,
      });
      const token = linkToken(mail, 'guest@example.test', 'invitation');
      const page = await h.app.inject({ method: 'GET', url: `/invitation?token=${token}` });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('guest@example.test');
      const password = strongPassword();
      expect((await post('/invitation', { token, password })).statusCode).toBe(200);
      const guest = await login(h.app, 'guest@example.test', password);
      expect((await asSession(h.app, guest, 'GET', '/account')).json()).toMatchObject({
        email_verified: true,
        roles: ['editor'],
      });
      expect((await post('/invitation', { token, password: strongPassword() })).statusCode).toBe(400);
      // An address with an account that has a password cannot be invited again.
      const again = await asSession(h.app, admin, 'POST', '/admin/v1/invitations', {
        email: 'guest@example.test',
      });
      expect(again.statusCode).toBe(409);
    });

    it('the admin API sends a reset link', async () => {
      const user = await createUser(h, 'helped@example.test', strongPassword());
      const sent = await asSession(h.app, admin, 'POST', `/admin/v1/users/${user.id}/password-reset`);
      expect(sent.statusCode).toBe(202);
      expect(mail.lastTo('helped@example.test')?.template).toBe('password-reset');
      const password = strongPassword();
      expect(
        (
          await post('/reset-password', {
            token: linkToken(mail, 'helped@example.test', 'password-reset'),
            password,
          })
        ).statusCode,
      ).toBe(200);
      await login(h.app, 'helped@example.test', password);
    });
  });
}

describeFlows('SQLite');

const postgresUrl = await postgresUrlOrSkip();
const schema = `gh_flows_${randomBytes(4).toString('hex')}`;
describe.skipIf(postgresUrl === undefined)('PostgreSQL', () => {
  afterAll(async () => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });
  describeFlows('PostgreSQL', { databaseUrl: postgresUrl ?? '', databaseSchema: schema });
});

describe('registration settings', () => {
  it('closed by default: sign-up is refused, and the page says so', async () => {
    const h = await createHarness({}, { mail: new RecordingMailQueue() });
    try {
      expect(
        (
          await h.app.inject({
            method: 'POST',
            url: '/signup',
            payload: { email: 'a@example.test', password: strongPassword() },
          })
        ).statusCode,
      ).toBe(403);
      expect((await h.app.inject({ method: 'GET', url: '/signup' })).statusCode).toBe(403);
    } finally {
      await h.close();
    }
  });

  it('invite: sign-up is refused but invitations work; open: only allow-listed domains', async () => {
    const mail = new RecordingMailQueue();
    const invite = await createHarness({ registration: 'invite' }, { mail });
    try {
      const refused = await invite.app.inject({
        method: 'POST',
        url: '/signup',
        payload: { email: 'a@example.test', password: strongPassword() },
      });
      expect(refused.statusCode).toBe(403);
      await invite.gatehouse.accountFlows.invitations.invite(
        { email: 'b@example.test' },
        { ip: 'test', requestId: 'test' },
      );
      expect(mail.lastTo('b@example.test')?.template).toBe('invitation');
    } finally {
      await invite.close();
    }
    const open = await createHarness(
      { registration: 'open', registrationDomains: 'example.test,corp.example' },
      { mail },
    );
    try {
      const off = await open.app.inject({
        method: 'POST',
        url: '/signup',
        payload: { email: 'a@elsewhere.test', password: strongPassword() },
      });
      expect(off.statusCode).toBe(400);
      const on = await open.app.inject({
        method: 'POST',
        url: '/signup',
        payload: { email: 'a@corp.example', password: strongPassword() },
      });
      expect(on.statusCode).toBe(202);
      await open.gatehouse.accountFlows.idle();
      expect(mail.lastTo('a@corp.example')?.template).toBe('verify-email');
      // Review: an account cannot leave the allow-list by changing its address.
      const password = strongPassword();
      await createUser(open, 'stays@example.test', password);
      const session = await login(open.app, 'stays@example.test', password);
      const away = await asSession(open.app, session, 'POST', '/account/email', {
        current_password: password,
        new_email: 'stays@outside.test',
      });
      expect(away.statusCode).toBe(400);
      expect(away.json().detail).toMatch(/allowed domains/);
      expect(mail.to('stays@outside.test')).toEqual([]);
    } finally {
      await open.close();
    }
  });
});
