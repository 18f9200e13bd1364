/**
 * Authorization after authentication: Bearer permissions come from `POST /permissions/introspect`
 * (cached per subject, dropped by `perm` feed entries), scopes from the token's `scope` claim;
 * sessions carry permissions and no scopes.
 */
import { createGuard, type Guard } from '@gatehouse/guard';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, bearer, refusal, SECRET, StubGatehouse, within } from './support/stub-gatehouse.ts';

let stub: StubGatehouse;
const guards: Guard[] = [];

beforeAll(async () => {
  stub = await StubGatehouse.start();
  stub.sessions.set('cookie-token', { sub: 'user-1', sid: 'session-1', permissions: ['notes:*'] });
});
afterEach(async () => {
  await Promise.all(guards.splice(0).map((g) => g.close()));
});
afterAll(async () => {
  await stub.close();
});

async function guardFor(extra: Parameters<typeof createGuard>[0] = {}): Promise<Guard> {
  const guard = createGuard({
    issuer: stub.issuer,
    audience: AUDIENCE,
    introspectionSecret: SECRET,
    ...extra,
  });
  guards.push(guard);
  await guard.ready();
  return guard;
}
const introspections = () => stub.log.filter((line) => line === 'POST /permissions/introspect').length;
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => 200,
    (error: { status?: number }) => error.status,
  );
const session = { method: 'GET', headers: { cookie: '__Host-gatehouse_session=cookie-token' } };

describe('Bearer permissions', () => {
  it('are asked from Gatehouse, cached per subject for cacheTtlMs, and matched with wildcards', async () => {
    stub.permissions.set('alice', ['notes:read', 'notes:delete']);
    // A second of cache: long enough that a loaded CI machine still hits it on the second check.
    const guard = await guardFor({ cacheTtlMs: 1000 });
    const token = await stub.mint({ sub: 'alice' });
    const before = introspections();
    const auth = await guard.check(bearer(token), { permission: 'notes:delete' });
    expect(auth.permissions?.toArray()).toEqual(['notes:delete', 'notes:read']);
    expect(auth.can('notes:read')).toBe(true);
    await guard.check(bearer(await stub.mint({ sub: 'alice' })), { permission: 'notes:read' });
    expect(introspections()).toBe(before + 1);
    const forbidden = await refusal(guard.check(bearer(token), { permission: 'notes:write' }));
    expect(forbidden).toMatchObject({ status: 403, code: 'forbidden' });
    expect(forbidden.headers()['www-authenticate']).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1050));
    stub.permissions.set('alice', ['notes:*']);
    await guard.check(bearer(token), { permission: 'notes:write' });
    expect(introspections()).toBe(before + 2);
  });

  it('a perm feed entry drops the cached permissions at once (one subject, or * for all)', async () => {
    stub.permissions.set('bob', ['notes:read']);
    stub.permissions.set('carol', ['notes:read']);
    const guard = await guardFor({ cacheTtlMs: 60_000 });
    const bob = await stub.mint({ sub: 'bob' });
    const carol = await stub.mint({ sub: 'carol' });
    await guard.check(bearer(bob), { permission: 'notes:read' });
    await guard.check(bearer(carol), { permission: 'notes:read' });
    stub.permissions.set('bob', []);
    stub.permissions.set('carol', []);
    stub.revoke('perm', 'bob');
    await within(
      1000,
      async () => (await outcome(guard.check(bearer(bob), { permission: 'notes:read' }))) === 403,
    );
    await expect(guard.check(bearer(carol), { permission: 'notes:read' })).resolves.toBeDefined();
    stub.revoke('perm', '*');
    await within(
      1000,
      async () => (await outcome(guard.check(bearer(carol), { permission: 'notes:read' }))) === 403,
    );
  });

  it('an inactive subject is 401 invalid_token; Gatehouse failing is 503', async () => {
    stub.permissions.set('gone', 'inactive');
    stub.permissions.set('flaky', 'broken');
    const guard = await guardFor();
    const gone = await refusal(
      guard.check(bearer(await stub.mint({ sub: 'gone' })), { permission: 'notes:read' }),
    );
    expect(gone).toMatchObject({ status: 401, code: 'invalid_token', reason: 'subject_inactive' });
    const flaky = await refusal(
      guard.check(bearer(await stub.mint({ sub: 'flaky' })), { permission: 'notes:read' }),
    );
    expect(flaky).toMatchObject({ status: 503, code: 'unavailable' });
    // Authentication alone needs no permission lookup.
    await expect(guard.check(bearer(await stub.mint({ sub: 'flaky' })))).resolves.toBeDefined();
  });

  it('authorize() on an unresolved Bearer context fails closed', async () => {
    stub.permissions.set('dave', ['notes:read']);
    const guard = await guardFor();
    const auth = await guard.authenticate(bearer(await stub.mint({ sub: 'dave' })));
    expect(() => guard.authorize(auth, 'notes:read')).toThrow(/Forbidden/);
    guard.authorize(await guard.requirePermission(auth, 'notes:read'), 'notes:read');
  });
});

describe('scopes', () => {
  it('requireScopes checks every scope of the token; a miss is 403 insufficient_scope naming them', async () => {
    const guard = await guardFor({ realm: 'notes' });
    const token = await stub.mint({ scope: 'notes:read notes:write' });
    await guard.check(bearer(token), { scopes: ['notes:read', 'notes:write'] });
    const error = await refusal(guard.check(bearer(token), { scopes: ['notes:read', 'notes:admin'] }));
    expect(error).toMatchObject({ status: 403, code: 'insufficient_scope' });
    expect(error.headers()['www-authenticate']).toBe(
      'Bearer realm="notes", error="insufficient_scope", error_description="The access token does not grant the scope this request needs.", scope="notes:read notes:admin"',
    );
    const none = await stub.mint({ scope: undefined });
    expect((await refusal(guard.check(bearer(none), { scopes: ['notes:read'] }))).code).toBe(
      'insufficient_scope',
    );
  });

  it('scopes are checked before the permission lookup (no Gatehouse call for a token that lacks them)', async () => {
    stub.permissions.set('erin', ['notes:read']);
    const guard = await guardFor();
    const before = introspections();
    await refusal(
      guard.check(bearer(await stub.mint({ sub: 'erin', scope: '' })), {
        scopes: ['notes:read'],
        permission: 'notes:read',
      }),
    );
    expect(introspections()).toBe(before);
  });
});

describe('sessions', () => {
  it('carry permissions from the session introspection and no scopes', async () => {
    const guard = await guardFor();
    const auth = await guard.check(session, { permission: 'notes:delete' });
    expect(auth).toMatchObject({ method: 'session', scopes: undefined });
    const error = await refusal(guard.check(session, { scopes: ['notes:read'] }));
    expect(error).toMatchObject({ status: 403, code: 'insufficient_scope', reason: 'session_has_no_scopes' });
  });

  it('pass requireScopes with sessionsHaveAllScopes', async () => {
    const guard = await guardFor({ sessionsHaveAllScopes: true });
    await expect(guard.check(session, { scopes: ['notes:read'] })).resolves.toBeDefined();
  });

  it('keep the cookie path’s refusals: unknown session 401 Bearer challenge, cross-site write 403', async () => {
    const guard = await guardFor();
    const unknown = await refusal(
      guard.authenticate({ method: 'GET', headers: { cookie: '__Host-gatehouse_session=nope' } }),
    );
    expect(unknown.headers()['www-authenticate']).toBe('Bearer realm="gatehouse"');
    const csrf = await refusal(
      guard.authenticate({
        method: 'DELETE',
        headers: { ...session.headers, 'sec-fetch-site': 'cross-site' },
      }),
    );
    expect(csrf).toMatchObject({ status: 403, code: 'csrf_failed' });
  });
});
