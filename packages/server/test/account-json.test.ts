import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createUser, type Harness, login, strongPassword } from './harness.ts';

let h: Harness;
const pw = strongPassword();

beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe('GET /account as JSON', () => {
  it('answers the same JSON on every request, and the new access once a role is granted', async () => {
    const user = await createUser(h, 'json@example.test', pw);
    const session = await login(h.app, user.email, pw);
    const get = () =>
      h.app.inject({
        method: 'GET',
        url: '/account',
        headers: { cookie: session.cookie, accept: 'application/json' },
      });
    const first = await get();
    const second = await get();
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.headers.vary).toBe('Accept, Cookie');
    expect(second.body).toBe(first.body);
    expect(first.json()).toMatchObject({
      sub: user.id,
      email: user.email,
      roles: [],
      permissions: [],
      session: { id: session.sessionId },
      csrf_token: session.csrf,
    });

    await h.gatehouse.accounts.upsertRole({ name: 'json-reader', permissions: ['notes:read'] });
    await h.gatehouse.accounts.grantRole(user.id, 'json-reader');
    for (let i = 0; i < 2; i++)
      expect((await get()).json()).toMatchObject({ roles: ['json-reader'], permissions: ['notes:read'] });
    // A role's permissions change: the session stays cached, its subject's access is reloaded
    // (the first request after it awaits the store, the next ones are answered from the cache).
    await h.gatehouse.accounts.upsertRole({
      name: 'json-reader',
      permissions: ['notes:read', 'notes:write'],
    });
    for (let i = 0; i < 3; i++)
      expect((await get()).json()).toMatchObject({ permissions: ['notes:read', 'notes:write'] });
  });
});
