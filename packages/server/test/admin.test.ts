import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap } from '../src/bootstrap.ts';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  asSession,
  createHarness,
  createUser,
  type Harness,
  type LoggedIn,
  login,
  strongPassword,
} from './harness.ts';

let h: Harness;
let admin: LoggedIn;
const pw = strongPassword();

beforeAll(async () => {
  h = await createHarness({ loginLimitPerAccountAndIp: 1000, loginLimitPerAccount: 1000 });
  admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
});
afterAll(() => h.close());

function call(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  as: LoggedIn,
  payload?: unknown,
) {
  return asSession(h.app, as, method, url, payload);
}

describe('admin API', () => {
  it('creates users, roles and grants; permissions apply on the next request', async () => {
    const created = await call('POST', '/admin/v1/users', admin, {
      email: 'Editor@Example.test',
      password: pw,
    });
    expect(created.statusCode).toBe(201);
    const editorId = created.json().id as string;
    expect(created.json().email).toBe('editor@example.test');
    expect(
      (await call('POST', '/admin/v1/users', admin, { email: 'editor@example.test', password: pw }))
        .statusCode,
    ).toBe(409);
    const weak = await call('POST', '/admin/v1/users', admin, {
      email: 'weak@example.test',
      password: 'password1234567',
    });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().detail).toMatch(/commonly used/);

    const role = await call('PUT', '/admin/v1/roles/editor', admin, {
      permissions: ['notes:read', 'notes:*'],
    });
    expect(role.statusCode).toBe(200);
    expect(role.json().permissions).toEqual(['notes:*', 'notes:read']);
    expect(
      (await call('PUT', '/admin/v1/roles/bad', admin, { permissions: ['not a permission'] })).statusCode,
    ).toBe(400);

    const editor = await login(h.app, 'editor@example.test', pw);
    const me = () => h.app.inject({ method: 'GET', url: '/account', headers: { cookie: editor.cookie } });
    expect((await me()).json().permissions).toEqual([]);
    expect(
      (await call('POST', `/admin/v1/users/${editorId}/roles`, admin, { role: 'editor' })).statusCode,
    ).toBe(204);
    expect((await me()).json().permissions).toEqual(['notes:*', 'notes:read']);
    expect((await call('DELETE', `/admin/v1/users/${editorId}/roles/editor`, admin)).statusCode).toBe(204);
    expect((await me()).json().permissions).toEqual([]);

    const list = await call('GET', '/admin/v1/users?limit=10', admin);
    expect(list.json().users.map((u: { email: string }) => u.email)).toContain('editor@example.test');
    const roles = await call('GET', '/admin/v1/roles', admin);
    expect(roles.json().roles.map((r: { name: string }) => r.name)).toEqual(['admin', 'editor']);
  });

  it('issue 15 #6: a look-alike email gets exactly the answer a duplicate gets (409, same problem)', async () => {
    const first = await call('POST', '/admin/v1/users', admin, { email: 'alice@example.test', password: pw });
    expect(first.statusCode).toBe(201);
    // The answer apart from the request it names (`instance`).
    const answer = (response: Awaited<ReturnType<typeof call>>) => {
      const { instance, ...problem } = response.json();
      expect(instance).toMatch(/^urn:gatehouse:request:/);
      return { status: response.statusCode, type: response.headers['content-type'], problem };
    };
    const duplicate = answer(
      await call('POST', '/admin/v1/users', admin, { email: 'alice@example.test', password: pw }),
    );
    expect(duplicate).toMatchObject({
      status: 409,
      problem: { detail: 'That email address is already registered.' },
    });
    const lookalikes = ['\u0430lice@example.test', '\uff41lice@example.test', 'a1ice@example.test'];
    for (const lookalike of lookalikes) {
      const refused = await call('POST', '/admin/v1/users', admin, { email: lookalike, password: pw });
      expect(answer(refused), lookalike).toEqual(duplicate);
    }
    const users = (await call('GET', '/admin/v1/users?limit=100', admin)).json().users as { email: string }[];
    expect(users.filter((user) => lookalikes.includes(user.email))).toEqual([]);
  });

  it('issue 15 #6: a look-alike GATEHOUSE_ADMIN_EMAIL creates no admin, warns with the duplicate message, and does not stop the start', async () => {
    await call('POST', '/admin/v1/users', admin, { email: 'mallory@example.test', password: pw });
    const before = (await call('GET', '/admin/v1/users?limit=100', admin)).json().users.length;
    // A Cyrillic а (U+0430) in the configured address.
    const config = { ...h.gatehouse.config, adminEmail: 'm\u0430llory@example.test' };
    await expect(bootstrap({ ...h.gatehouse, config })).resolves.toBeUndefined();
    expect((await call('GET', '/admin/v1/users?limit=100', admin)).json().users.length).toBe(before);
    const warning = h.logs.map((line) => JSON.parse(line)).find((line) => line.msg?.startsWith('no admin'));
    expect(warning).toMatchObject({
      level: 40,
      reason: 'That email address is already registered.',
      msg: 'no admin was created from GATEHOUSE_ADMIN_EMAIL',
    });
  });

  it('refuses ordinary users with 403 and records the denial', async () => {
    await createUser(h, 'plain@example.test', pw);
    const plain = await login(h.app, 'plain@example.test', pw);
    for (const [method, url] of [
      ['GET', '/admin/v1/users'],
      ['PUT', '/admin/v1/roles/x'],
      ['GET', '/admin/v1/audit-events'],
    ] as const) {
      const response = await call(method, url, plain, method === 'PUT' ? { permissions: [] } : undefined);
      expect(response.statusCode).toBe(403);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
    const audit = await call('GET', '/admin/v1/audit-events?limit=50', admin);
    expect(audit.json().events.some((e: { type: string }) => e.type === 'access.denied')).toBe(true);
  });

  it('disables and re-enables a user; unknown users are 404', async () => {
    const user = await createUser(h, 'toggle@example.test', pw);
    expect((await call('POST', `/admin/v1/users/${user.id}/disable`, admin)).statusCode).toBe(204);
    await expect(login(h.app, 'toggle@example.test', pw)).rejects.toThrow(/401/);
    expect((await call('POST', `/admin/v1/users/${user.id}/enable`, admin)).statusCode).toBe(204);
    await login(h.app, 'toggle@example.test', pw);
    expect((await call('POST', `/admin/v1/users/${'0'.repeat(32)}/disable`, admin)).statusCode).toBe(404);
    expect((await call('DELETE', '/admin/v1/roles/nonexistent', admin)).statusCode).toBe(404);
  });

  it('issue 15 #14: PUT /admin/v1/users/:id/password sets a password through the one policy and ends the sessions', async () => {
    const user = await createUser(h, 'reset-me@example.test', pw);
    const before = await login(h.app, user.email, pw);
    const setTo = (password: string, as = admin, id = user.id) =>
      call('PUT', `/admin/v1/users/${id}/password`, as, { password });

    const weak = await setTo('reset-me@example.test and more');
    expect(weak.statusCode).toBe(400);
    expect(weak.json()).toMatchObject({ type: 'urn:gatehouse:error:password_policy' });
    const short = await setTo('kq7 zm2 wv9');
    expect(short.json().detail).toBe('The password is too short: at least 15 characters.');
    expect((await setTo(strongPassword(), admin, '0'.repeat(32))).statusCode).toBe(404);
    expect((await setTo(strongPassword(), before)).statusCode).toBe(403);

    const next = strongPassword();
    const ok = await setTo(next);
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['cache-control']).toBe('no-store');
    const account = await h.app.inject({
      method: 'GET',
      url: '/account',
      headers: { cookie: before.cookie },
    });
    expect(account.statusCode).toBe(401);
    await expect(login(h.app, user.email, pw)).rejects.toThrow(/401/);
    await login(h.app, user.email, next);
    const audit = await h.gatehouse.storage.audit.list({
      limit: 5,
      type: 'password.changed',
      subjectId: user.id,
    });
    expect(audit.map((e) => [e.details.by, e.actorId])).toEqual([['admin', admin.userId]]);
  });

  it('issue 15 #14: DELETE /admin/v1/users/:id revokes everything issued to the user, then deletes it; unknown → 404', async () => {
    const user = await createUser(h, 'leaving@example.test', pw, ['editor']);
    const session = await login(h.app, user.email, pw);
    const tokens = (
      await h.app.inject({
        method: 'POST',
        url: '/login',
        payload: { email: user.email, password: pw, mode: 'token' },
      })
    ).json<{ access_token: string; refresh_token: string }>();
    const key = await asSession(h.app, session, 'POST', '/account/api-keys', {
      name: 'laptop',
      scopes: ['notes:read'],
    });
    expect(key.statusCode).toBe(201);
    const rawKey = key.json().key as string;
    const keyId = key.json().id as string;

    expect((await call('DELETE', `/admin/v1/users/${user.id}`, session)).statusCode).toBe(403);
    expect((await call('DELETE', `/admin/v1/users/${user.id}`, admin)).statusCode).toBe(204);

    const cookie = await h.app.inject({
      method: 'GET',
      url: '/account',
      headers: { cookie: session.cookie },
    });
    expect(cookie.statusCode).toBe(401);
    const bearer = await h.app.inject({
      method: 'GET',
      url: '/account',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(bearer.statusCode).toBe(401);
    const refreshed = await h.app.inject({
      method: 'POST',
      url: '/token/refresh',
      payload: { refresh_token: tokens.refresh_token },
    });
    expect(refreshed.statusCode).toBe(400);
    const byKey = await h.app.inject({ method: 'GET', url: '/account', headers: { 'x-api-key': rawKey } });
    expect(byKey.statusCode).toBe(401);
    await expect(login(h.app, user.email, pw)).rejects.toThrow(/401/);

    // Gone with what hangs off it; the email is free again; the audit trail keeps the event.
    expect(await h.gatehouse.accounts.findUser(user.id)).toBeUndefined();
    expect(await h.gatehouse.storage.credentials.getPasswordHash(user.id)).toBeUndefined();
    expect(await h.gatehouse.accounts.rolesOf(user.id)).toEqual([]);
    expect(await h.gatehouse.apiKeys.get(keyId)).toBeUndefined();
    const types = (await h.gatehouse.storage.audit.list({ limit: 20, subjectId: user.id })).map(
      (e) => e.type,
    );
    expect(types).toContain('user.deleted');
    const revokedKey = await h.gatehouse.storage.audit.list({ limit: 5, type: 'api_key.revoked' });
    expect(revokedKey.find((e) => e.details.key_id === keyId)?.actorId).toBe(admin.userId);
    expect((await call('DELETE', `/admin/v1/users/${user.id}`, admin)).statusCode).toBe(404);
    expect((await call('DELETE', `/admin/v1/users/${'0'.repeat(32)}`, admin)).statusCode).toBe(404);
    await createUser(h, 'leaving@example.test', pw);
  });
});
