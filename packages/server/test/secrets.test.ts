import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hash } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createHarness, createUser, type Harness, login, strongPassword } from './harness.ts';

let h: Harness;
const canary = `canary ${Math.random().toString(36).slice(2)} zebra crossing`;

beforeAll(async () => {
  h = await createHarness({ loginLimitPerAccountAndIp: 1000, loginLimitPerAccount: 1000 });
});
afterAll(() => h.close());

describe('secrets at rest and in logs', () => {
  it('SEC-01: argon2id at OWASP parameters, unique salts, old parameters upgraded at the next login', async () => {
    const pw = strongPassword();
    const a = await createUser(h, 'same1@example.test', pw);
    const b = await createUser(h, 'same2@example.test', pw);
    const ha = (await h.gatehouse.storage.credentials.getPasswordHash(a.id))!;
    const hb = (await h.gatehouse.storage.credentials.getPasswordHash(b.id))!;
    expect(ha).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(ha).not.toBe(hb);
    expect(ha.split('$')[4]).not.toBe(hb.split('$')[4]);

    const old = await hash(pw, { memoryCost: 4096, timeCost: 1, parallelism: 1 });
    await h.gatehouse.storage.credentials.setPasswordHash(a.id, old, Date.now());
    await login(h.app, 'same1@example.test', pw);
    expect(await h.gatehouse.storage.credentials.getPasswordHash(a.id)).toMatch(
      /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/,
    );
  });

  it('SEC-02: no raw session token in the database file; data files are private (0600)', async () => {
    await createUser(h, 'sec2@example.test', canary);
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) tokens.push((await login(h.app, 'sec2@example.test', canary)).token);
    const files = ['gatehouse.db', 'gatehouse.db-wal'].map((f) => join(h.dataDir, f));
    const bytes = files.map((f) => readFileSync(f).toString('latin1')).join('');
    for (const token of tokens) expect(bytes).not.toContain(token);
    expect(bytes).not.toContain(canary);
    for (const file of [...files, join(h.dataDir, 'secret')]) {
      expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    }
    expect((statSync(h.dataDir).mode & 0o777).toString(8)).toBe('700');
  });

  it('SEC-03: passwords, session ids, cookies and CSRF tokens never reach the logs', async () => {
    await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: 'sec2@example.test', password: 'wrong wrong wrong' },
    });
    const session = await login(h.app, 'sec2@example.test', canary);
    await h.app.inject({
      method: 'GET',
      url: '/account',
      headers: { cookie: session.cookie, authorization: `Bearer ${canary}` },
    });
    await h.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    });
    const logs = h.logs.join('\n');
    for (const secret of [
      canary,
      session.token,
      session.csrf,
      ADMIN_PASSWORD,
      h.config.introspectionSecret!,
    ]) {
      expect(logs).not.toContain(secret);
    }
    expect(logs).not.toMatch(/gatehouse_session=/);
  });

  it('SEC-04: security events are audited with time, actor, IP and request id; injected log lines stay one record', async () => {
    const injected = 'x\r\n{"level":30,"msg":"login ok","user":"admin"}';
    await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: injected, password: 'whatever whatever' },
      headers: { 'x-request-id': 'req-sec-04' },
      remoteAddress: '192.0.2.44',
    });
    const events = await h.gatehouse.storage.audit.list({ limit: 200 });
    const failed = events.find((e) => e.type === 'login.failed' && e.requestId === 'req-sec-04')!;
    expect(failed).toBeDefined();
    expect(failed.ip).toBe('192.0.2.44');
    expect(failed.at).toBeGreaterThan(Date.now() - 60_000);
    const types = new Set(events.map((e) => e.type));
    for (const type of ['login.succeeded', 'login.failed', 'logout', 'user.created', 'role.granted']) {
      expect(types).toContain(type);
    }
    const succeeded = events.find((e) => e.type === 'login.succeeded')!;
    expect(succeeded.actorId).toBeTruthy();
    for (const line of h.logs.join('').split('\n').filter(Boolean))
      expect(() => JSON.parse(line)).not.toThrow();
    expect(
      h.logs
        .join('')
        .split('\n')
        .filter((l) => l.includes('"msg":"login ok"') && l.startsWith('{"level":30,"msg"')),
    ).toEqual([]);
  });

  it('SEC-06: no debug or VCS files, admin API needs authentication, no version banners', async () => {
    for (const url of ['/metrics', '/debug', '/.git/', '/.git/config', '/.env']) {
      expect((await h.app.inject({ method: 'GET', url })).statusCode).toBe(404);
    }
    for (const url of ['/admin/v1/users', '/admin/v1/roles', '/admin/v1/audit-events']) {
      const response = await h.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(401);
    }
    const response = await h.app.inject({ method: 'GET', url: '/login' });
    expect(response.headers.server).toBeUndefined();
    expect(response.headers['x-powered-by']).toBeUndefined();
  });
});
