import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assembleApiKey, ManualClock, newApiKey } from '@gatehouse/core';
import { redisUrlOrSkip } from '@gatehouse/testkit';
import type { LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
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
import { withRawDatabase } from './raw-database.ts';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

type Json = Record<string, unknown>;

function call(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  as: LoggedIn,
  payload?: unknown,
) {
  return asSession(h.app, as, method, url, payload);
}

function withKey(
  method: string,
  url: string,
  key: string,
  via: 'bearer' | 'header' = 'bearer',
  payload?: unknown,
) {
  return h.app.inject({
    method: method as 'GET',
    url,
    headers: via === 'bearer' ? { authorization: `Bearer ${key}` } : { 'x-api-key': key },
    ...(payload === undefined ? {} : { payload: payload as Json }),
  });
}

/** A service account holding `roles`, and a key for it with `scopes`. */
async function serviceKey(admin: LoggedIn, scopes: string[], extra: Json = {}, roles = ['reader']) {
  await h.gatehouse.accounts.upsertRole({ name: 'reader', permissions: ['users:read', 'roles:read'] });
  const name = `svc-${Math.random().toString(36).slice(2, 8)}`;
  const account = await call('POST', '/admin/v1/service-accounts', admin, { name, roles });
  expect(account.statusCode).toBe(201);
  const id = account.json().id as string;
  const created = await call('POST', `/admin/v1/users/${id}/api-keys`, admin, {
    name: 'ci',
    scopes,
    ...extra,
  });
  expect(created.statusCode).toBe(201);
  return { accountId: id, key: created.json().key as string, keyId: created.json().id as string, created };
}

/** Everything a client can observe of a response, minus what differs per request by design. */
function observable(response: LightMyRequestResponse) {
  const headers = { ...response.headers };
  delete headers.date;
  delete headers['x-request-id'];
  delete headers['content-length'];
  const body = response.json() as Json;
  delete body.instance;
  return { status: response.statusCode, headers, body };
}

describe('API keys', () => {
  it('KEY-01: valid → 200; none → 401 with a challenge; unknown, revoked, expired, malformed and wrong-secret keys → one identical 401', async () => {
    const clock = new ManualClock(Date.now());
    h = await createHarness({}, { clock });
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const good = await serviceKey(admin, ['users:read']);
    const revoked = await serviceKey(admin, ['users:read']);
    const expiring = await serviceKey(admin, ['users:read'], { expires_in: 60 });
    expect((await withKey('DELETE', `/admin/v1/api-keys/${revoked.keyId}`, good.key)).statusCode).toBe(403);
    expect((await call('DELETE', `/admin/v1/api-keys/${revoked.keyId}`, admin)).statusCode).toBe(204);
    clock.advance(61_000);

    expect((await withKey('GET', '/admin/v1/users', good.key)).statusCode).toBe(200);
    expect((await withKey('GET', '/admin/v1/users', good.key, 'header')).statusCode).toBe(200);

    const none = await h.app.inject({ method: 'GET', url: '/admin/v1/users' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');

    const goodId = good.key.slice(10, 26);
    const candidates = {
      unknown: newApiKey().raw,
      wrongSecret: assembleApiKey(goodId, 'x'.repeat(43)).raw,
      revoked: revoked.key,
      expired: expiring.key,
      malformed: `${good.key.slice(0, -1)}!`,
      truncated: good.key.slice(0, 40),
    };
    const answers = [];
    for (const [name, key] of Object.entries(candidates)) {
      for (const via of ['bearer', 'header'] as const) {
        const response = await withKey('GET', '/admin/v1/users', key, via);
        expect(response.statusCode, `${name} via ${via}`).toBe(401);
        answers.push(observable(response));
      }
    }
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]?.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(answers[0]?.body).toEqual({
      type: 'urn:gatehouse:error:invalid_api_key',
      title: 'Invalid API key',
      status: 401,
    });
    // Denied uses are audited with the reason, which the client never sees.
    const audit = await h.gatehouse.storage.audit.list({ limit: 100, type: 'api_key.denied' });
    expect(new Set(audit.map((e) => e.details.reason))).toEqual(
      new Set(['unknown', 'revoked', 'expired', 'malformed', 'secret']),
    );
  });

  it('KEY-02: a key in the query string is ignored (401) and never logged', async () => {
    h = await createHarness();
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const { key } = await serviceKey(admin, ['users:read']);
    for (const param of ['api_key', 'key', 'access_token']) {
      const response = await h.app.inject({ method: 'GET', url: `/admin/v1/users?${param}=${key}` });
      expect(response.statusCode).toBe(401);
    }
    expect(h.logs.join('\n')).not.toContain(key);
    expect(h.logs.join('\n')).not.toContain(key.slice(27, 70));
  });

  it('KEY-03: the secret appears once, in a no-store creation response; reads show id, prefix, last four; the DB holds only HMACs', async () => {
    h = await createHarness();
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const { accountId } = await serviceKey(admin, ['users:read']);
    const keys: string[] = [];
    for (let i = 0; i < 50; i++) {
      const created = await call('POST', `/admin/v1/users/${accountId}/api-keys`, admin, {
        name: `key ${i}`,
        scopes: ['users:read'],
      });
      expect(created.statusCode).toBe(201);
      expect(created.headers['cache-control']).toBe('no-store');
      const body = created.json() as { key: string; id: string; prefix: string; last_four: string };
      expect(body.key).toMatch(/^gatehouse_[0-9A-Za-z]{16}_[0-9A-Za-z]{49}$/);
      expect(body.prefix).toBe(`gatehouse_${body.id}`);
      expect(body.last_four).toBe(body.key.slice(-4));
      keys.push(body.key);
    }
    expect(new Set(keys).size).toBe(50);
    const reads = [
      await call('GET', `/admin/v1/users/${accountId}/api-keys`, admin),
      await call('GET', `/admin/v1/api-keys/${keys[0]!.slice(10, 26)}`, admin),
      await call('GET', '/admin/v1/service-accounts', admin),
      await call('GET', '/admin/v1/audit-events?limit=500', admin),
    ];
    for (const read of reads) {
      expect(read.statusCode).toBe(200);
      for (const key of keys) expect(read.body).not.toContain(key.slice(27, 70));
    }
    expect(reads[0]!.json().api_keys).toHaveLength(51);
    const rows = await withRawDatabase(h, (db) => db.selectFrom('api_keys').selectAll().execute());
    const dump = JSON.stringify(rows);
    for (const key of keys) expect(dump).not.toContain(key.slice(27, 70));
    for (const row of rows) expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('KEY-04: revocation is immediate; rotation keeps the old key only for the overlap; expiry ends a key', async () => {
    const clock = new ManualClock(Date.now());
    h = await createHarness({}, { clock });
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const use = (key: string) => withKey('GET', '/admin/v1/users', key).then((r) => r.statusCode);

    const a = await serviceKey(admin, ['users:read']);
    expect(await use(a.key)).toBe(200);
    expect((await call('DELETE', `/admin/v1/api-keys/${a.keyId}`, admin)).statusCode).toBe(204);
    expect(await use(a.key)).toBe(401);

    // Rotation, default overlap: the old key stops at once.
    const b = await serviceKey(admin, ['users:read']);
    const rotated = await call('POST', `/admin/v1/api-keys/${b.keyId}/rotate`, admin, {});
    expect(rotated.statusCode).toBe(201);
    expect(rotated.headers['cache-control']).toBe('no-store');
    expect(await use(rotated.json().key)).toBe(200);
    expect(await use(b.key)).toBe(401);

    // Rotation with a 60 s overlap, on a controllable clock.
    const c = await serviceKey(admin, ['users:read']);
    const next = await call('POST', `/admin/v1/api-keys/${c.keyId}/rotate`, admin, { overlap_seconds: 60 });
    expect(await use(next.json().key)).toBe(200);
    expect(await use(c.key)).toBe(200);
    clock.advance(59_000);
    expect(await use(c.key)).toBe(200);
    clock.advance(2_000);
    expect(await use(c.key)).toBe(401);
    expect(await use(next.json().key)).toBe(200);
    const old = (await call('GET', `/admin/v1/api-keys/${c.keyId}`, admin)).json();
    expect(old).toMatchObject({ status: 'expired', replaced_by: next.json().id });
    // Overlaps are bounded.
    const tooLong = await call('POST', `/admin/v1/api-keys/${next.json().id}/rotate`, admin, {
      overlap_seconds: 31 * 86_400,
    });
    expect(tooLong.statusCode).toBe(400);

    // Expiry: now + 2 s, then 3 s later.
    const d = await serviceKey(admin, ['users:read'], { expires_in: 2 });
    expect(await use(d.key)).toBe(200);
    clock.advance(3_000);
    expect(await use(d.key)).toBe(401);
  });

  it('KEY-05: a key never exceeds its scopes or its owner’s current permissions; a disabled or deleted owner ends it', async () => {
    h = await createHarness();
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const narrow = await serviceKey(admin, ['users:read']);

    // Outside its scopes (its owner may read roles, the key may not).
    const roles = await withKey('GET', '/admin/v1/roles', narrow.key);
    expect(roles.statusCode).toBe(403);
    expect(roles.headers['www-authenticate']).toBe(
      'Bearer realm="gatehouse", error="insufficient_scope", scope="roles:read"',
    );
    // Creating keys with a key is refused, whatever the scopes.
    const wide = await serviceKey(admin, ['*'], {}, ['admin']);
    for (const [method, url] of [
      ['POST', '/account/api-keys'],
      ['POST', `/admin/v1/users/${wide.accountId}/api-keys`],
      ['POST', `/admin/v1/api-keys/${wide.keyId}/rotate`],
      ['DELETE', `/admin/v1/api-keys/${narrow.keyId}`],
    ] as const) {
      const payload =
        method === 'POST' && !url.endsWith('rotate') ? { name: 'x', scopes: ['users:read'] } : undefined;
      const response = await withKey(
        method,
        url,
        wide.key,
        'bearer',
        payload ?? (method === 'POST' ? {} : undefined),
      );
      expect(response.statusCode, `${method} ${url}`).toBe(403);
    }
    // A scope the owner lacks grants nothing: '*' on a reader is a reader.
    const scopedAll = await serviceKey(admin, ['*']);
    expect((await withKey('GET', '/admin/v1/users', scopedAll.key)).statusCode).toBe(200);
    expect((await withKey('GET', '/admin/v1/audit-events', scopedAll.key)).statusCode).toBe(403);

    // The owner's permissions shrink: the key follows at once.
    await h.gatehouse.accounts.upsertRole({ name: 'reader', permissions: ['roles:read'] });
    expect((await withKey('GET', '/admin/v1/users', scopedAll.key)).statusCode).toBe(403);

    // A disabled owner: 401, then enabled again: back.
    expect(
      (await call('POST', `/admin/v1/service-accounts/${scopedAll.accountId}/disable`, admin)).statusCode,
    ).toBe(204);
    expect((await withKey('GET', '/admin/v1/roles', scopedAll.key)).statusCode).toBe(401);
    expect(
      (await call('POST', `/admin/v1/service-accounts/${scopedAll.accountId}/enable`, admin)).statusCode,
    ).toBe(204);
    expect((await withKey('GET', '/admin/v1/roles', scopedAll.key)).statusCode).toBe(200);

    // A deleted service account: 401, and its keys are gone.
    expect(
      (await call('DELETE', `/admin/v1/service-accounts/${scopedAll.accountId}`, admin)).statusCode,
    ).toBe(204);
    expect((await withKey('GET', '/admin/v1/roles', scopedAll.key)).statusCode).toBe(401);
    expect((await call('GET', `/admin/v1/api-keys/${scopedAll.keyId}`, admin)).statusCode).toBe(404);
  });

  it('KEY-05: someone else’s key id answers like a key that does not exist', async () => {
    h = await createHarness();
    const pw = strongPassword();
    await createUser(h, 'carol@example.test', pw);
    await createUser(h, 'dave@example.test', pw);
    const carol = await login(h.app, 'carol@example.test', pw);
    const dave = await login(h.app, 'dave@example.test', pw);
    const created = await call('POST', '/account/api-keys', carol, {
      name: 'laptop',
      scopes: ['notes:read'],
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const foreign = await call('DELETE', `/account/api-keys/${id}`, dave);
    const missing = await call('DELETE', `/account/api-keys/${'Q'.repeat(16)}`, dave);
    expect(foreign.statusCode).toBe(404);
    expect(observable(foreign)).toEqual(observable(missing));
    expect((await call('GET', '/account/api-keys', dave)).json().api_keys).toEqual([]);
    expect((await call('GET', '/account/api-keys', carol)).json().api_keys).toHaveLength(1);
  });

  it('personal keys: create, list, rotate, revoke through the account API; the rate limit is admin-only', async () => {
    h = await createHarness();
    const pw = strongPassword();
    await createUser(h, 'erin@example.test', pw, ['users']);
    const erin = await login(h.app, 'erin@example.test', pw);
    const refused = await call('POST', '/account/api-keys', erin, {
      name: 'laptop',
      scopes: ['users:read'],
      rate_limit: { limit: 1_000_000, window_seconds: 1 },
    });
    expect(refused.statusCode).toBe(403);
    const created = await call('POST', '/account/api-keys', erin, {
      name: 'laptop',
      scopes: ['users:read'],
      allowed_cidrs: ['127.0.0.1/32'],
    });
    expect(created.statusCode).toBe(201);
    const { id, key } = created.json() as { id: string; key: string };
    const listed = (await call('GET', '/account/api-keys', erin)).json().api_keys as Json[];
    expect(listed).toEqual([
      expect.objectContaining({ id, name: 'laptop', status: 'active', scopes: ['users:read'] }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(key);
    const rotated = await call('POST', `/account/api-keys/${id}/rotate`, erin, {});
    expect(rotated.statusCode).toBe(201);
    const deleted = await call('DELETE', `/account/api-keys/${rotated.json().id}`, erin);
    expect(deleted.statusCode).toBe(204);
    const statuses = ((await call('GET', '/account/api-keys', erin)).json().api_keys as Json[]).map(
      (k) => k.status,
    );
    expect(statuses.sort()).toEqual(['revoked', 'revoked']);
    const events = (await h.gatehouse.storage.audit.list({ limit: 50 })).map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['api_key.created', 'api_key.rotated', 'api_key.revoked']));
  });

  it('granting roles to a new service account needs roles:write; an unknown role creates nothing', async () => {
    h = await createHarness();
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    await h.gatehouse.accounts.upsertRole({ name: 'provisioner', permissions: ['service-accounts:write'] });
    const provisioner = await serviceKey(admin, ['service-accounts:write'], {}, ['provisioner']);
    const escalate = await withKey('POST', '/admin/v1/service-accounts', provisioner.key, 'header', {
      name: 'sneaky',
      roles: ['admin'],
    });
    expect(escalate.statusCode).toBe(403);
    expect((await h.gatehouse.serviceAccounts.list()).map((a) => a.name)).not.toContain('sneaky');
    const plain = await withKey('POST', '/admin/v1/service-accounts', provisioner.key, 'header', {
      name: 'plain',
    });
    expect(plain.statusCode).toBe(201);
    const typo = await call('POST', '/admin/v1/service-accounts', admin, { name: 'typo', roles: ['admni'] });
    expect(typo.statusCode).toBe(400);
    const retry = await call('POST', '/admin/v1/service-accounts', admin, { name: 'typo', roles: ['admin'] });
    expect(retry.statusCode).toBe(201);
  });

  it('a key is rotated once: rotating it again is 409 (rotate its successor)', async () => {
    h = await createHarness();
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const { keyId } = await serviceKey(admin, ['users:read']);
    const [first, second] = await Promise.all([
      call('POST', `/admin/v1/api-keys/${keyId}/rotate`, admin, { overlap_seconds: 600 }),
      call('POST', `/admin/v1/api-keys/${keyId}/rotate`, admin, { overlap_seconds: 600 }),
    ]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([201, 409]);
    const winner = first.statusCode === 201 ? first : second;
    expect((await call('GET', `/admin/v1/api-keys/${keyId}`, admin)).json().replaced_by).toBe(
      winner.json().id,
    );
    expect((await call('POST', `/admin/v1/api-keys/${winner.json().id}/rotate`, admin, {})).statusCode).toBe(
      201,
    );
    // Thirty days is the longest overlap.
    const { keyId: other } = await serviceKey(admin, ['users:read']);
    expect(
      (await call('POST', `/admin/v1/api-keys/${other}/rotate`, admin, { overlap_seconds: 30 * 86_400 }))
        .statusCode,
    ).toBe(201);
  });

  it('refuses bad input with 400s: scopes, names, networks, expiry, both expiry forms, unknown fields', async () => {
    h = await createHarness();
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    for (const body of [
      { name: 'x', scopes: [] },
      { name: 'x', scopes: ['NOT A SCOPE'] },
      { name: '', scopes: ['users:read'] },
      { name: 'x', scopes: ['users:read'], allowed_cidrs: ['example.com/8'] },
      { name: 'x', scopes: ['users:read'], expires_at: '2001-01-01T00:00:00Z' },
      { name: 'x', scopes: ['users:read'], expires_at: '2999-01-01T00:00:00Z', expires_in: 5 },
      { name: 'x', scopes: ['users:read'], secret: 'mine' },
      { name: 'x', scopes: 'users:read' },
    ]) {
      const response = await call('POST', '/account/api-keys', admin, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
    const svc = await call('POST', '/admin/v1/service-accounts', admin, { name: 'Bad Name!' });
    expect(svc.statusCode).toBe(400);
  });

  it('a key beside another credential is a 400, never a guess; keys are refused where tokens or sessions are expected', async () => {
    h = await createHarness();
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const { key } = await serviceKey(admin, ['users:read']);
    const both = await h.app.inject({
      method: 'GET',
      url: '/admin/v1/users',
      headers: { 'x-api-key': key, authorization: `Bearer ${key}` },
    });
    expect(both.statusCode).toBe(400);
    const twoKeys = await h.app.inject({
      method: 'GET',
      url: '/admin/v1/users',
      headers: { 'x-api-key': [key, key] },
    });
    expect(twoKeys.statusCode).toBe(400);
    const withCookie = await h.app.inject({
      method: 'GET',
      url: '/admin/v1/users',
      headers: { 'x-api-key': key, cookie: admin.cookie },
    });
    expect(withCookie.statusCode).toBe(400);
    // Token and session endpoints do not take keys.
    expect((await withKey('POST', '/logout', key)).statusCode).toBe(401);
    expect((await withKey('GET', '/account/sessions', key)).statusCode).toBe(401);
    expect((await withKey('GET', '/account/sessions', key, 'header')).statusCode).toBe(401);
    const refresh = await h.app.inject({
      method: 'POST',
      url: '/token/refresh',
      payload: { refresh_token: key },
    });
    expect(refresh.statusCode).toBe(400);
    // And the reverse: an access token is not a key.
    const token = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, mode: 'token' },
    });
    const accessToken = token.json().access_token as string;
    const asKey = await h.app.inject({
      method: 'GET',
      url: '/admin/v1/users',
      headers: { 'x-api-key': accessToken },
    });
    expect(asKey.statusCode).toBe(401);
  });

  it('rate limits per key: RateLimit headers, 429 with Retry-After, override per key, default per service account', async () => {
    const clock = new ManualClock(Date.now());
    h = await createHarness({ apiKeyRateLimit: 1000 }, { clock });
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const { key } = await serviceKey(admin, ['users:read'], { rate_limit: { limit: 3, window_seconds: 60 } });
    const responses = [];
    for (let i = 0; i < 4; i++) responses.push(await withKey('GET', '/admin/v1/users', key));
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 429]);
    expect(responses[0]!.headers['ratelimit-policy']).toBe('"api-key";q=3;w=60');
    expect(responses[0]!.headers.ratelimit).toBe('"api-key";r=2;t=20');
    expect(responses[3]!.headers['retry-after']).toBe('20');
    expect(responses[3]!.headers.ratelimit).toBe('"api-key";r=0;t=60');
    expect(responses[3]!.json().type).toBe('urn:gatehouse:error:too_many_requests');
    clock.advance(20_000);
    expect((await withKey('GET', '/admin/v1/users', key)).statusCode).toBe(200);

    // The service account's default applies to keys without their own.
    await h.gatehouse.accounts.upsertRole({ name: 'reader', permissions: ['users:read'] });
    const account = await call('POST', '/admin/v1/service-accounts', admin, {
      name: 'exporter',
      roles: ['reader'],
      rate_limit: { limit: 2, window_seconds: 10 },
    });
    const created = await call('POST', `/admin/v1/users/${account.json().id}/api-keys`, admin, {
      name: 'k',
      scopes: ['users:read'],
    });
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await withKey('GET', '/admin/v1/users', created.json().key)).statusCode);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('RL-06: guessing keys engages a limit (429) and no guess ever succeeds', async () => {
    h = await createHarness({ apiKeyFailureLimitPerIp: 20 });
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const { key } = await serviceKey(admin, ['users:read']);
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) {
      statuses.push((await withKey('GET', '/admin/v1/users', newApiKey().raw)).statusCode);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(0);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    // While the address is blocked even a good key waits (the limit is per address, before lookup).
    expect((await withKey('GET', '/admin/v1/users', key)).statusCode).toBe(429);
    // Another address is unaffected.
    const elsewhere = await h.app.inject({
      method: 'GET',
      url: '/admin/v1/users',
      remoteAddress: '198.51.100.9',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(elsewhere.statusCode).toBe(200);
  });

  it('CIDR allowlists: a key from outside its networks gets the same 401', async () => {
    h = await createHarness();
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const { key } = await serviceKey(admin, ['users:read'], { allowed_cidrs: ['203.0.113.0/24'] });
    const from = (ip: string) =>
      h.app.inject({
        method: 'GET',
        url: '/admin/v1/users',
        remoteAddress: ip,
        headers: { authorization: `Bearer ${key}` },
      });
    expect((await from('203.0.113.50')).statusCode).toBe(200);
    const outside = await from('198.51.100.1');
    expect(outside.statusCode).toBe(401);
    expect(outside.json().type).toBe('urn:gatehouse:error:invalid_api_key');
  });

  it('records last use in batches, without a write per request', async () => {
    h = await createHarness();
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const { key, keyId } = await serviceKey(admin, ['users:read']);
    for (let i = 0; i < 5; i++) expect((await withKey('GET', '/admin/v1/users', key)).statusCode).toBe(200);
    const before = await withRawDatabase(h, (db) =>
      db.selectFrom('api_keys').select('last_used_at').where('id', '=', keyId).executeTakeFirst(),
    );
    expect(before?.last_used_at).toBeNull();
    await h.gatehouse.apiKeys.flushUsage();
    const after = await withRawDatabase(h, (db) =>
      db
        .selectFrom('api_keys')
        .select(['last_used_at', 'last_used_ip'])
        .where('id', '=', keyId)
        .executeTakeFirst(),
    );
    expect(after?.last_used_at).toBeGreaterThan(0);
    expect(after?.last_used_ip).toBe('127.0.0.1');
  });

  it('service accounts cannot log in or be given a password', async () => {
    h = await createHarness();
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const account = await call('POST', '/admin/v1/service-accounts', admin, { name: 'cron' });
    expect(account.statusCode).toBe(201);
    await expect(h.gatehouse.accounts.setPassword(account.json().id, strongPassword())).rejects.toMatchObject(
      {
        detail: 'Service accounts cannot have a password.',
      },
    );
    const attempt = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: 'cron@service.invalid', password: strongPassword() },
    });
    expect(attempt.statusCode).toBe(401);
  });

  it('the introspection endpoint answers guards, and only guards', async () => {
    h = await createHarness();
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const { key, keyId, accountId } = await serviceKey(admin, ['users:read']);
    const introspect = (payload: Json, secret = h.config.introspectionSecret) =>
      h.app.inject({
        method: 'POST',
        url: '/api-keys/introspect',
        headers: { authorization: `Bearer ${secret}` },
        payload,
      });
    const ok = await introspect({ key, ip: '192.0.2.1' });
    expect(ok.json()).toMatchObject({
      active: true,
      key_id: keyId,
      sub: accountId,
      kind: 'service',
      scopes: ['users:read'],
      permissions: ['roles:read', 'users:read'],
      exp: null,
    });
    expect(ok.headers['cache-control']).toBe('no-store');
    // Another last character (an `x` stays an `x` one time in 32: change it to something else).
    const altered = `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`;
    expect((await introspect({ key: altered, ip: '192.0.2.1' })).json()).toEqual({
      active: false,
    });
    expect((await introspect({ key, ip: '192.0.2.1' }, 'wrong')).statusCode).toBe(401);
    expect(
      (await withKey('POST', '/api-keys/introspect', key, 'bearer', { key, ip: '1.2.3.4' })).statusCode,
    ).toBe(401);
  });
});

describe('API keys at the decision point (AuthZEN)', () => {
  it('a key allowed authz:evaluate asks about anyone; other keys only about their owner', async () => {
    h = await createHarness();
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    await h.gatehouse.accounts.upsertRole({ name: 'pep', permissions: ['authz:evaluate'] });
    const pep = await serviceKey(admin, ['authz:evaluate'], {}, ['pep']);
    const plain = await serviceKey(admin, ['users:read']);
    const adminId = (await h.gatehouse.accounts.findUser(ADMIN_EMAIL))!.id;
    const ask = (key: string, subject: string) =>
      withKey('POST', '/access/v1/evaluation', key, 'header', {
        subject: { type: 'user', id: subject },
        resource: { type: 'users', id: 'any' },
        action: { name: 'read' },
      });
    const answered = await ask(pep.key, adminId);
    expect(answered.statusCode).toBe(200);
    expect(answered.json().decision).toBe(true);
    // Other keys may not ask at all (not even about their owner: a narrow key must not map its
    // owner's rights beyond its own scopes).
    expect((await ask(plain.key, adminId)).statusCode).toBe(403);
    expect((await ask(plain.key, plain.accountId)).statusCode).toBe(403);
    // A key scoped for it whose owner lacks the right is no enforcement point either.
    const unbacked = await serviceKey(admin, ['authz:evaluate']);
    expect((await ask(unbacked.key, adminId)).statusCode).toBe(403);
    expect((await ask(newApiKey().raw, adminId)).statusCode).toBe(401);
  });
});

describe('API keys at rest', () => {
  it('SEC-02 for keys: the database file, its WAL, Redis and the logs never hold a key or its secret', async () => {
    const redisUrl = await redisUrlOrSkip();
    const prefix = `gh_test_sec02_${Math.random().toString(36).slice(2, 8)}:`;
    h = await createHarness(redisUrl === undefined ? {} : { redisUrl, redisPrefix: prefix });
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const keys: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { key, keyId } = await serviceKey(admin, ['users:read'], {
        rate_limit: { limit: 50, window_seconds: 60 },
      });
      keys.push(key);
      expect((await withKey('GET', '/admin/v1/users', key)).statusCode).toBe(200);
      const rotated = await call('POST', `/admin/v1/api-keys/${keyId}/rotate`, admin, {
        overlap_seconds: 60,
      });
      keys.push(rotated.json().key as string);
    }
    await withKey('GET', '/admin/v1/users', 'gatehouse_notakey');
    await h.gatehouse.apiKeys.flushUsage();
    const bytes = ['gatehouse.db', 'gatehouse.db-wal']
      .map((file) => readFileSync(join(h.dataDir, file)).toString('latin1'))
      .join('');
    const logs = h.logs.join('\n');
    let redisDump = '';
    if (redisUrl !== undefined) {
      const redis = new Redis(redisUrl);
      try {
        const names = await redis.keys(`${prefix}*`);
        expect(names.some((name) => name.includes('rl:api-key:'))).toBe(true);
        for (const name of names) redisDump += `${name}=${JSON.stringify(await redis.dump(name))}\n`;
        if (names.length > 0) await redis.del(...names);
      } finally {
        redis.disconnect();
      }
    }
    for (const key of keys) {
      for (const haystack of [bytes, logs, redisDump]) {
        expect(haystack).not.toContain(key);
        expect(haystack).not.toContain(key.slice(27, 70));
      }
    }
  });
});
