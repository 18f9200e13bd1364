import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AuditEvent, GatehouseError, PolicyError } from '@gatehouse/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Commands, createCommands } from '../src/commands/index.ts';
import { json, runCli } from './cli-runner.ts';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  asSession,
  createHarness,
  type Harness,
  login,
  strongPassword,
} from './harness.ts';

// The application layer called directly, with no HTTP in between: what the admin API, the account
// routes and the CLI all run.
const meta = { ip: '198.51.100.7', requestId: 'commands-test', userAgent: 'vitest' };
const POLICY = `version: 1
resources:
  reports:
    actions: [read, publish]
roles:
  - name: analyst
    permissions: [reports:read]
bindings:
  - subject: user:ana
    roles: [analyst]
rules:
  - id: analysts-publish-drafts
    effect: allow
    roles: [analyst]
    resource: reports
    actions: [publish]
    condition: resource.properties.status == "draft"
`;

/** What a command refused with: its stable code, or the error itself when it is not a GatehouseError. */
async function refusal(promise: Promise<unknown>): Promise<string | unknown> {
  try {
    await promise;
  } catch (error) {
    return error instanceof GatehouseError ? error.code : error;
  }
  return 'resolved';
}

let h: Harness;
let commands: Commands;
const events = async (type: AuditEvent['type']) => h.gatehouse.storage.audit.list({ limit: 50, type });

beforeAll(async () => {
  h = await createHarness();
  commands = createCommands(h.gatehouse);
});
afterAll(() => h.close());

describe('user and role commands', () => {
  it('creates, finds by email, lists, grants, disables and deletes a user, each audited', async () => {
    await commands.putRole({ name: 'auditor', permissions: ['audit:read', 'audit:read'], meta });
    const created = await commands.createUser({
      email: 'Carol@Example.test',
      password: strongPassword(),
      roles: ['auditor'],
      meta,
    });
    expect(created).toMatchObject({
      email: 'carol@example.test',
      kind: 'user',
      disabled: false,
      roles: ['auditor'],
    });
    expect((await commands.getUser({ user: 'carol@example.test' })).id).toBe(created.id);
    const listed = await commands.listUsers({ limit: 100, offset: 0 });
    expect(listed.find((u) => u.id === created.id)?.roles).toEqual(['auditor']);
    expect((await commands.listRoles()).find((r) => r.name === 'auditor')?.permissions).toEqual([
      'audit:read',
    ]);

    expect(await commands.grantRole({ userId: created.id, role: 'auditor', meta })).toBe(false);
    expect(await commands.revokeRole({ userId: created.id, role: 'auditor', meta })).toBe(true);
    expect(await refusal(commands.grantRole({ userId: created.id, role: 'no-such-role', meta }))).toBe(
      'not_found',
    );

    await commands.setUserDisabled({ userId: created.id, disabled: true, meta });
    expect((await commands.getUser({ user: created.id })).disabled).toBe(true);
    await commands.deleteUser({ userId: created.id, meta });
    expect(await refusal(commands.getUser({ user: created.id }))).toBe('not_found');

    for (const type of ['user.created', 'role.revoked', 'user.disabled', 'user.deleted'] as const) {
      const event = (await events(type)).find((e) => e.subjectId === created.id);
      expect(event, type).toMatchObject({ ip: meta.ip, requestId: meta.requestId });
    }
    await commands.deleteRole({ name: 'auditor', meta });
    expect((await commands.listRoles()).some((r) => r.name === 'auditor')).toBe(false);
  });

  it('refuses an unknown user, a taken email and a weak password with the stable codes', async () => {
    expect(await refusal(commands.setUserDisabled({ userId: 'f'.repeat(32), disabled: true, meta }))).toBe(
      'not_found',
    );
    expect(await refusal(commands.createUser({ email: ADMIN_EMAIL, roles: [], meta }))).toBe('conflict');
    expect(
      await refusal(commands.createUser({ email: 'weak@example.test', password: 'short', roles: [], meta })),
    ).toBe('password_policy');
  });
});

describe('account commands: profile and password', () => {
  it('a user cannot vouch for their own phone number; an administrator can', async () => {
    const user = await commands.createUser({
      email: 'dora@example.test',
      password: strongPassword(),
      roles: [],
      meta,
    });
    const phone = { phone_number: '+15551234567', phone_number_verified: true };
    expect(await refusal(commands.updateProfile({ userId: user.id, profile: phone, by: 'self', meta }))).toBe(
      'invalid_request',
    );
    await commands.updateProfile({ userId: user.id, profile: phone, by: 'admin', meta });
    expect(await commands.getProfile({ user: 'dora@example.test' })).toEqual(phone);
    const event = (await events('user.profile_updated')).find((e) => e.subjectId === user.id);
    expect(event?.details).toEqual({ claims: 'phone_number phone_number_verified' });
  });

  it('changePassword wants the current password, then ends every other session', async () => {
    const password = strongPassword();
    const user = await commands.createUser({ email: 'erin@example.test', password, roles: [], meta });
    const before = await h.gatehouse.sessions.start({
      userId: user.id,
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    const change = { user, newPassword: strongPassword(), meta };
    expect(await refusal(commands.changePassword({ ...change, currentPassword: 'wrong' }))).toBe(
      'invalid_credentials',
    );
    const fresh = await commands.changePassword({ ...change, currentPassword: password });
    const sessions = await h.gatehouse.storage.sessions.listByUser(user.id);
    expect(sessions.map((s) => s.publicId)).toEqual([fresh.record.publicId]);
    expect(fresh.record.publicId).not.toBe(before.record.publicId);
  });
});

describe('signOut and token commands', () => {
  it('refresh rotates, revoke ends the family, and signOut cuts a user off with an audited cut-off', async () => {
    const login = await commands.login({
      email: ADMIN_EMAIL,
      password: ADMIN_PASSWORD,
      meta,
      mode: 'token',
      clientId: 'gatehouse',
    });
    if (login.kind !== 'tokens') throw new Error(`expected tokens, got ${login.kind}`);
    const first = login.tokens.refresh_token!;
    const rotated = await commands.refreshToken({ refreshToken: first, clientId: 'gatehouse', meta });
    expect(rotated.refresh_token).not.toBe(first);
    await commands.revokeRefreshToken({ refreshToken: rotated.refresh_token!, meta });
    expect(
      await refusal(
        commands.refreshToken({ refreshToken: rotated.refresh_token!, clientId: 'gatehouse', meta }),
      ),
    ).toBe('invalid_grant');

    const user = await commands.createUser({
      email: 'fay@example.test',
      password: strongPassword(),
      roles: [],
      meta,
    });
    await h.gatehouse.sessions.start({ userId: user.id, ip: meta.ip, userAgent: meta.userAgent });
    const result = await commands.signOut({ target: { user: 'fay@example.test' }, meta });
    expect(result).toMatchObject({ sessions: 1, grants: 0 });
    expect(result.cutoff % 1000).toBe(0);
    const event = (await events('sessions.revoked_all')).find((e) => e.subjectId === user.id);
    expect(event?.details).toMatchObject({ revoked: 1, cutoff: new Date(result.cutoff).toISOString() });
    expect(await refusal(commands.signOut({ target: { user: 'nobody@example.test' }, meta }))).toBe(
      'not_found',
    );
  });
});

describe('service-account and OAuth client commands', () => {
  it('a service account is named by name for its keys, updated, disabled and deleted', async () => {
    const account = await commands.createServiceAccount({
      name: 'nightly-batch',
      rateLimit: { limit: 10, windowSeconds: 60 },
      roles: [],
      meta,
    });
    expect(await commands.resolveKeyOwner({ owner: 'nightly-batch' })).toBe(account.id);
    const updated = await commands.updateServiceAccount({ id: account.id, rateLimit: null, meta });
    expect(updated).toMatchObject({ rateLimit: null, roles: [] });
    await commands.setServiceAccountDisabled({ id: account.id, disabled: true, meta });
    expect((await commands.getServiceAccount({ id: account.id })).disabled).toBe(true);
    await commands.deleteServiceAccount({ id: account.id, meta });
    expect(await refusal(commands.getServiceAccount({ id: account.id }))).toBe('not_found');
    expect(await refusal(commands.resolveKeyOwner({ owner: 'nightly-batch' }))).toBe('not_found');
  });

  it('registers a client with a secret shown once, rotates with an overlap, and audits each change', async () => {
    const { client, secret } = await commands.createClient({
      client: {
        name: 'Reports',
        type: 'confidential',
        grantTypes: ['client_credentials'],
        scopes: ['reports:read'],
      },
      meta,
    });
    expect(secret).toMatch(/^ghs_/);
    expect(JSON.stringify(await commands.getClient({ clientId: client.client_id }))).not.toContain(secret!);
    const rotated = await commands.rotateClientSecret({
      clientId: client.client_id,
      overlapSeconds: 3600,
      meta,
    });
    expect(rotated.client.previous_secret_expires_at).toBeDefined();
    expect(
      await refusal(commands.rotateClientSecret({ clientId: client.client_id, overlapSeconds: 60, meta })),
    ).toBe('conflict');
    const ended = await commands.revokePreviousClientSecret({ clientId: client.client_id, meta });
    expect(ended.previous_secret_expires_at).toBeUndefined();
    await commands.deleteClient({ clientId: client.client_id, meta });
    expect(await refusal(commands.getClient({ clientId: client.client_id }))).toBe('not_found');
    for (const type of [
      'oauth.client.created',
      'oauth.client.secret_rotated',
      'oauth.client.previous_secret_revoked',
      'oauth.client.deleted',
    ] as const) {
      expect(
        (await events(type)).some((e) => e.subjectId === client.client_id && e.ip === meta.ip),
        type,
      ).toBe(true);
    }
  });
});

describe('policy commands', () => {
  it('explain refuses with no document, a broken document is refused with its location, a valid one is in force', async () => {
    const request = {
      subject: { type: 'user', id: 'ana' },
      resource: { type: 'reports', id: 'r1', properties: { status: 'draft' } },
      action: { name: 'publish' },
    };
    expect(await refusal(commands.explainDecision({ request }))).toBe('conflict');
    const broken = await refusal(
      commands.putPolicy({
        name: 'reports',
        source: POLICY.replace('== "draft"', '== '),
        actorId: null,
        meta,
      }),
    );
    expect(broken).toBeInstanceOf(PolicyError);
    expect((await commands.listPolicies()).documents).toEqual([]);

    const put = await commands.putPolicy({
      name: 'reports',
      source: POLICY,
      expectedVersion: 0,
      actorId: null,
      meta,
    });
    expect(put).toMatchObject({ created: true, doc: { name: 'reports', version: 1 } });
    expect(put.policyVersion).toMatch(/^v1-/);
    expect(
      await refusal(
        commands.putPolicy({ name: 'reports', source: POLICY, expectedVersion: 0, actorId: null, meta }),
      ),
    ).toBe('conflict');
    expect(await commands.explainDecision({ request })).toMatchObject({
      decision: true,
      trace: [{ rule: 'analysts-publish-drafts', matched: true }],
    });
    expect((await commands.listPolicies()).policyVersion).toBe(put.policyVersion);
    await commands.deletePolicy({ name: 'reports', expectedVersion: 1, meta });
    expect(await refusal(commands.getPolicy({ name: 'reports' }))).toBe('not_found');
    expect((await events('policy.deleted')).some((e) => e.subjectId === 'reports')).toBe(true);
  });
});

/** An audit event as both doors must write it: everything but when, by whom and from where. */
const shapeOf = (e: AuditEvent | undefined) => e && { type: e.type, details: Object.keys(e.details).sort() };

describe('the CLI writes the audit events the API writes', { timeout: 120_000 }, () => {
  it('clients create / delete and api-keys revoke, through the same commands', async () => {
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const cli = (...args: string[]) => runCli(h.dataDir, args);

    const byApi = await asSession(h.app, admin, 'POST', '/admin/v1/clients', {
      name: 'By API',
      type: 'confidential',
      grant_types: ['client_credentials'],
    });
    expect(byApi.statusCode).toBe(201);
    const apiClient = byApi.json<{ client_id: string }>().client_id;
    const byCli = json<{ client_id: string; client_secret: string }>(
      await cli('clients', 'create', '--name', 'By CLI', '--grant', 'client_credentials', '--json'),
    );
    expect(byCli.client_secret).toMatch(/^ghs_/);
    expect((await asSession(h.app, admin, 'DELETE', `/admin/v1/clients/${apiClient}`)).statusCode).toBe(204);
    json(await cli('clients', 'delete', byCli.client_id, '--json'));

    const account = await commands.createServiceAccount({
      name: 'audited-keys',
      rateLimit: null,
      roles: [],
      meta,
    });
    const key = (name: string) =>
      commands.createApiKey({
        ownerId: account.id,
        request: { name, scopes: ['users:read'] },
        by: 'admin',
        meta,
      });
    const [apiKey, cliKey] = [await key('api'), await key('cli')];
    expect((await asSession(h.app, admin, 'DELETE', `/admin/v1/api-keys/${apiKey.id}`)).statusCode).toBe(204);
    expect(json<{ revoked: boolean }>(await cli('api-keys', 'revoke', cliKey.id, '--json')).revoked).toBe(
      true,
    );
    // An unknown key is the API's 404 too: exit 3, nothing audited.
    expect((await cli('api-keys', 'revoke', 'k_doesnotexist0000', '--json')).code).toBe(3);

    const find = async (type: AuditEvent['type'], subject: string, ip?: string) =>
      (await events(type)).find((e) => e.subjectId === subject && (ip === undefined || e.ip === ip));
    for (const type of ['oauth.client.created', 'oauth.client.deleted'] as const) {
      const fromApi = await find(type, apiClient);
      const fromCli = await find(type, byCli.client_id, 'cli');
      expect(fromCli, type).toBeDefined();
      expect(shapeOf(fromCli)).toEqual(shapeOf(fromApi));
    }
    const revocations = (await events('api_key.revoked')).filter((e) => e.subjectId === account.id);
    const byKey = (id: string) => revocations.find((e) => e.details.key_id === id);
    expect(byKey(cliKey.id)).toMatchObject({ ip: 'cli' });
    expect(shapeOf(byKey(cliKey.id))).toEqual(shapeOf(byKey(apiKey.id)));
  });
});

describe('the CLI and the commands stay off the HTTP edge (source scan)', () => {
  const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
  /** Relative imports that stay at run time (static or dynamic); `import type` is erased. */
  const IMPORT =
    /(?:^import\s+(?!type\s)[^;]*?from\s+|^export\s+(?!type\s)[^;]*?from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/gm;
  const importsOf = (file: string) =>
    [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((match) => resolve(dirname(file), match[1]!));
  /**
   * Where the scan stops: the composition root (which wires the OAuth engine and its pages) and
   * the server that `gatehouse start` runs. Both are the edge's to import, not the use cases'.
   */
  const roots = new Set([join(src, 'gatehouse.ts'), join(src, 'server.ts')]);

  /** Every server source file reachable from `start` through run-time relative imports. */
  function reachable(start: readonly string[]): Map<string, string> {
    const seen = new Map<string, string>();
    const queue = start.map((file) => [file, file] as const);
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [file, from] = next;
      if (seen.has(file)) continue;
      seen.set(file, from);
      if (roots.has(file)) continue;
      for (const target of importsOf(file)) if (target.startsWith(src)) queue.push([target, file]);
    }
    return seen;
  }
  const filesIn = (dir: string) =>
    readdirSync(join(src, dir))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(src, dir, name));
  const under = (file: string, dirs: readonly string[]) =>
    dirs.some((dir) => relative(src, file).startsWith(`${dir}/`));

  it('no file in src/cli imports from src/routes or src/pages (types included)', () => {
    const ANY_IMPORT = /(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g;
    for (const file of filesIn('cli')) {
      const targets = [...readFileSync(file, 'utf8').matchAll(ANY_IMPORT)].map((m) =>
        resolve(dirname(file), m[1]!),
      );
      expect(
        targets.filter((target) => under(target, ['routes', 'pages'])).map((t) => relative(src, t)),
        relative(src, file),
      ).toEqual([]);
    }
  });

  it('nothing the CLI or the commands reach at run time, however indirectly, is route, page or HTTP code', () => {
    const files = reachable([...filesIn('cli'), ...filesIn('commands')]);
    // The scan does follow imports: the commands reach the API-key views and the AuthZEN schema.
    expect(files.has(join(src, 'api-keys', 'api-key-view.ts'))).toBe(true);
    expect(files.has(join(src, 'authz', 'authzen-schema.ts'))).toBe(true);
    const offLimits = [...files]
      .filter(([file]) => under(file, ['routes', 'pages', 'http']))
      .map(([file, from]) => `${relative(src, from)} → ${relative(src, file)}`);
    expect(offLimits).toEqual([]);
    const fastify = [...files.keys()].filter(
      (file) => !roots.has(file) && /from '(?:fastify|@fastify\/[^']+)'/.test(readFileSync(file, 'utf8')),
    );
    expect(fastify.map((file) => relative(src, file))).toEqual([]);
  });
});
