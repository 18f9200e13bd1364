import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/program.ts';
import { loadConfig } from '../src/config.ts';
import { createGatehouse } from '../src/gatehouse.ts';
import { createLogger } from '../src/logger.ts';
import { json, runCli } from './cli-runner.ts';

/**
 * Runs the real CLI as a child process, as an operator would. Each spawn costs about a second
 * (tsx compile + SQLite open + migrate), so the steps share one data dir and run in order.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-test-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const EMAIL = 'ops.person@example.test';
const PASSWORD = 'saffron kettle drifting 7781';

const cli = (args: string[], stdin?: string, env?: NodeJS.ProcessEnv) =>
  runCli(dataDir, args, stdin, env === undefined ? {} : { env });

/** Runs the CLI with a module hook that logs every module it imports (test/import-log). */
async function cliImports(args: string[], stdin?: string) {
  const log = join(dataDir, `imports-${Math.random().toString(36).slice(2)}.log`);
  const register = fileURLToPath(new URL('./import-log/register.mjs', import.meta.url));
  const result = await runCli(dataDir, args, stdin, {
    env: { IMPORT_LOG: log },
    nodeArgs: ['--import', register],
  });
  return { ...result, imports: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

/** Opens the same SQLite database in process, for checks and for creating sessions. */
async function openDirect() {
  const config = loadConfig({}, { dataDir, nodeEnv: 'test', logLevel: 'silent' });
  return createGatehouse(config, createLogger('silent'));
}

interface UserRow {
  id: string;
  email: string;
  kind: string;
  disabled: boolean;
  roles: string[];
  created_at: string;
}

describe('gatehouse CLI', { timeout: 120_000 }, () => {
  let userId: string;

  it('users create --password-stdin --role admin --json creates the user and prints JSON', async () => {
    const result = await cli(
      [
        'users',
        'create',
        '--email',
        'Ops.Person@Example.TEST',
        '--password-stdin',
        '--role',
        'admin',
        '--json',
      ],
      `${PASSWORD}\n`,
    );
    const created = json<{ id: string; email: string }>(result);
    expect(created.email).toBe(EMAIL);
    expect(created.id).toMatch(/^[0-9a-f]{32}$/);
    expect(result.stdout).not.toContain(PASSWORD);
    expect(result.stderr).not.toContain(PASSWORD);
    userId = created.id;

    // The password arrived intact (trailing newline stripped) and only its argon2id hash is stored.
    const g = await openDirect();
    try {
      const user = await g.authenticator.verifyPassword(EMAIL, PASSWORD, { ip: '127.0.0.1', requestId: 't' });
      expect(user.id).toBe(userId);
      expect(await g.storage.credentials.getPasswordHash(userId)).toMatch(
        /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/,
      );
    } finally {
      await g.close();
    }
  });

  it('exit codes: the same user again → 4 (conflict), a weak password → 2, an unknown user → 3', async () => {
    // These only read the database, so they can run side by side.
    const [again, lookalike, weak, nobody] = await Promise.all([
      cli(['users', 'create', '--email', EMAIL, '--password-stdin', '--json'], `${PASSWORD}\n`),
      // Issue 15 #6: a Cyrillic о (U+043E) in place of the Latin o.
      cli(
        ['users', 'create', '--email', EMAIL.replace('o', '\u043e'), '--password-stdin', '--json'],
        `${PASSWORD}\n`,
      ),
      cli(['users', 'create', '--email', 'weak@example.test', '--password-stdin'], 'password1234567\n'),
      cli(['users', 'disable', 'nobody@example.test']),
    ]);
    expect(again.code, again.stderr).toBe(4);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/already registered/);
    // issue 15 #6: a look-alike of an existing email is answered exactly like the duplicate.
    expect(lookalike).toEqual(again);

    expect(weak.code, weak.stderr).toBe(2);
    expect(weak.stderr).toMatch(/commonly used or guessable/);
    expect(weak.stderr).not.toContain('password1234567');

    expect(nobody.code, nobody.stderr).toBe(3);
    expect(nobody.stderr).toMatch(/No such user/);
  });

  it('roles create, roles grant', async () => {
    const role = json<{ name: string; permissions: string[] }>(
      await cli(['roles', 'create', 'editor', '--permissions', 'notes:read,notes:delete', '--json']),
    );
    expect(role).toMatchObject({ name: 'editor', permissions: ['notes:delete', 'notes:read'] });

    const granted = json<{ role: string; changed: boolean }>(
      await cli(['roles', 'grant', 'editor', '--user', EMAIL, '--json']),
    );
    expect(granted).toEqual({ role: 'editor', user: EMAIL, changed: true });
  });

  it('sessions revoke --user ends every session of the user', async () => {
    const g = await openDirect();
    try {
      for (let i = 0; i < 2; i++) await g.sessions.start({ userId, ip: '127.0.0.1', userAgent: 'cli-test' });
      expect(await g.sessions.list(userId)).toHaveLength(2);
    } finally {
      await g.close();
    }
    const revoked = json<{ revoked: number }>(await cli(['sessions', 'revoke', '--user', EMAIL, '--json']));
    expect(revoked).toEqual({ revoked: 2 });
    const after = await openDirect();
    try {
      expect(await after.sessions.list(userId)).toHaveLength(0);
      const audit = await after.storage.audit.list({
        limit: 10,
        type: 'sessions.revoked_all',
        subjectId: userId,
      });
      expect(audit).toHaveLength(1);
    } finally {
      await after.close();
    }
  });

  it('users disable, then users list --json shows the user disabled with its roles; roles list --json', async () => {
    const disabled = json<{ id: string; disabled: boolean }>(
      await cli(['users', 'disable', EMAIL, '--json']),
    );
    expect(disabled).toEqual({ id: userId, disabled: true });

    const [usersResult, rolesResult] = await Promise.all([
      cli(['users', 'list', '--json']),
      cli(['roles', 'list', '--json']),
    ]);
    const users = json<UserRow[]>(usersResult);
    const row = users.find((u) => u.email === EMAIL);
    expect(row).toMatchObject({ id: userId, kind: 'user', disabled: true });
    expect([...(row?.roles ?? [])].sort()).toEqual(['admin', 'editor']);
    expect(new Date(row?.created_at ?? '').toISOString()).toBe(row?.created_at);
    expect(users.map((u) => u.email)).not.toContain('weak@example.test');
    expect(JSON.stringify(users)).not.toMatch(/argon2|password/i);

    const roles = json<{ name: string; permissions: string[] }[]>(rolesResult);
    expect(roles.find((r) => r.name === 'editor')?.permissions).toEqual(['notes:delete', 'notes:read']);
    expect(roles.find((r) => r.name === 'admin')?.permissions).toEqual(['*']);
  });

  it('migrate exits 0; an unknown command exits 2', async () => {
    const [migrate, unknown] = await Promise.all([cli(['migrate', '--json']), cli(['frobnicate'])]);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(JSON.parse(migrate.stdout)).toEqual({ migrated: true });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command/i);
  });

  it('policies put (stdin), list, get, a broken document → 2 with file:line, delete; audited', async () => {
    const doc =
      'version: 1\nresources:\n  reports:\n    actions: [read]\nroles:\n  - name: analyst\n    permissions: [reports:read]\n';
    const put = json<{ name: string; version: number; created: boolean }>(
      await cli(['policies', 'put', 'reports', '--json'], doc),
    );
    expect(put).toEqual({ name: 'reports', version: 1, created: true });
    const list = json<{ documents: { name: string; version: number }[]; policy_version: string }>(
      await cli(['policies', 'list', '--json']),
    );
    expect(list.documents).toMatchObject([{ name: 'reports', version: 1 }]);
    expect(list.policy_version).toMatch(/^v1-/);
    const got = await cli(['policies', 'get', 'reports']);
    expect(got.stdout).toBe(doc);
    const broken = await cli(
      ['policies', 'put', 'broken'],
      'version: 1\nrules:\n  - id: x\n    effect: allow\n    actions: [read]\n    condition: "1 +"\n',
    );
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/broken:6:\d+: rule "x": condition does not compile/);
    expect((await cli(['policies', 'put', 'reports', '--if-version', '7'], doc)).code).toBe(4);
    // Explained with the stored documents and the subject's stored roles (none here): deny → exit 1.
    const explained = await cli([
      'policies',
      'explain',
      '--subject',
      'user:nobody',
      '--resource',
      'reports:r1',
      '--action',
      'read',
    ]);
    expect(explained.code).toBe(1);
    expect(explained.stdout).toContain('decision: deny (no_match)');
    const deleted = await cli(['policies', 'delete', 'reports']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await cli(['policies', 'get', 'reports'])).code).toBe(3);
    const direct = await openDirect();
    try {
      const events = await direct.storage.audit.list({ limit: 10, subjectId: 'reports' });
      expect(events.map((e) => e.type).sort()).toEqual(['policy.deleted', 'policy.put']);
    } finally {
      await direct.close();
    }
  });

  it('issue 15 #5: users create refuses a password containing the email, like every other path', async () => {
    const refused = await cli(
      ['users', 'create', '--email', 'al@example.test', '--password-stdin'],
      'al@example.test walks the long harbour\n',
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/contains your email address/);
  });

  it('issue 15 #14: --help and --version load neither the server nor the OAuth engine', async () => {
    const [help, usersHelp, version] = await Promise.all([
      cliImports(['--help']),
      cliImports(['users', '--help']),
      cliImports(['--version']),
    ]);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: gatehouse/);
    expect(usersHelp.stdout).toMatch(/set-password \[options\] <user>/);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    for (const run of [help, usersHelp, version]) {
      expect(run.stderr).not.toMatch(/Unsupported runtime/);
      // Only the command tree: commander and the CLI's own modules.
      expect(run.imports.some((url) => url.includes('/packages/server/src/cli/program.ts'))).toBe(true);
      const loaded = run.imports.filter(
        (url) =>
          url.includes('oidc-provider') ||
          url.includes('/packages/core/') ||
          url.includes('fastify') ||
          /\/packages\/server\/src\/(gatehouse|config|server|app)\.ts/.test(url),
      );
      expect(loaded).toEqual([]);
    }
  });

  it('issue 15 #14: administrative commands do not load the OAuth engine', async () => {
    const list = await cliImports(['users', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.imports.some((url) => url.includes('/packages/server/src/gatehouse.ts'))).toBe(true);
    expect(list.imports.filter((url) => url.includes('oidc-provider'))).toEqual([]);
    expect(list.stderr).not.toMatch(/Unsupported runtime/);
  });

  it('issue 15 #14: every command has a description', () => {
    const undescribed = (command: Command, path: string[]): string[] =>
      command.commands.flatMap((sub) => [
        ...(sub.description().trim() === '' ? [[...path, sub.name()].join(' ')] : []),
        ...undescribed(sub, [...path, sub.name()]),
      ]);
    expect(undescribed(buildProgram(), [])).toEqual([]);
  });

  it('issue 15 #14: roles list --json prints ISO 8601 dates, like every other command', async () => {
    const roles = json<{ name: string; created_at: string; updated_at: string }[]>(
      await cli(['roles', 'list', '--json']),
    );
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) {
      expect(new Date(role.created_at).toISOString()).toBe(role.created_at);
      expect(new Date(role.updated_at).toISOString()).toBe(role.updated_at);
    }
    expect(JSON.stringify(roles)).not.toMatch(/createdAt|updatedAt/);
  });

  it('issue 15 #14: users create without a password says how the user will sign in; set-password lets them in', async () => {
    const email = 'later@example.test';
    const created = json<{ id: string; password_set: boolean; notice: string }>(
      await cli(['users', 'create', '--email', email, '--json']),
    );
    expect(created.password_set).toBe(false);
    expect(created.notice).toBe(
      `No password set: ${email} cannot sign in until an administrator runs \`gatehouse users set-password ${email} --password-stdin\`.`,
    );
    const human = await cli(['users', 'create', '--email', 'later2@example.test']);
    expect(human.stdout).toMatch(/No password set: later2@example\.test cannot sign in until/);

    const [containsEmail, short, missingFlag, nobody] = await Promise.all([
      cli(['users', 'set-password', email, '--password-stdin'], 'later@example.test is my passphrase\n'),
      cli(['users', 'set-password', email, '--password-stdin'], 'kq7 zm2 wv9\n'),
      cli(['users', 'set-password', email], `${PASSWORD}\n`),
      cli(['users', 'set-password', 'nobody@example.test', '--password-stdin'], `${PASSWORD}\n`),
    ]);
    expect(containsEmail.code).toBe(2);
    expect(containsEmail.stderr).toMatch(/contains your email address/);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/at least 15 characters/);
    expect(missingFlag.code).toBe(2);
    expect(nobody.code).toBe(3);

    const set = json<{ id: string; password_set: boolean }>(
      await cli(['users', 'set-password', email, '--password-stdin', '--json'], `${PASSWORD}\n`),
    );
    expect(set).toEqual({ id: created.id, email, password_set: true });
    const g = await openDirect();
    try {
      const user = await g.authenticator.verifyPassword(email, PASSWORD, { ip: '127.0.0.1', requestId: 't' });
      expect(user.id).toBe(created.id);
      const audit = await g.storage.audit.list({ limit: 5, type: 'password.changed', subjectId: created.id });
      expect(audit.map((e) => e.details.by)).toEqual(['admin']);
    } finally {
      await g.close();
    }
  });

  it('issue 15 #14: users delete needs --yes when not interactive, revokes, deletes and audits; unknown → 3', async () => {
    const email = 'later2@example.test';
    const g = await openDirect();
    let id: string;
    try {
      id = (await g.accounts.requireUser(email)).id;
      await g.sessions.start({ userId: id, ip: '127.0.0.1', userAgent: 'cli-test' });
    } finally {
      await g.close();
    }
    const unconfirmed = await cli(['users', 'delete', email]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/--yes/);

    const deleted = json<{ id: string; deleted: boolean }>(
      await cli(['users', 'delete', email, '--yes', '--json']),
    );
    expect(deleted).toEqual({ id, email, deleted: true });
    const after = await openDirect();
    try {
      expect(await after.accounts.findUser(email)).toBeUndefined();
      expect(await after.sessions.list(id)).toEqual([]);
      const audit = await after.storage.audit.list({ limit: 5, type: 'user.deleted', subjectId: id });
      expect(audit).toHaveLength(1);
    } finally {
      await after.close();
    }
    expect((await cli(['users', 'delete', email, '--yes'])).code).toBe(3);
  });

  it('issue 15 #14: a misspelt GATEHOUSE_* variable and a weak GATEHOUSE_ADMIN_PASSWORD stop the CLI, named', async () => {
    const [misspelt, weak] = await Promise.all([
      cli(['users', 'list'], undefined, { [`GATEHOUSE_${'SESION_STORE'}`]: 'redis' }),
      cli(['migrate'], undefined, {
        GATEHOUSE_ADMIN_EMAIL: 'first@example.test',
        GATEHOUSE_ADMIN_PASSWORD: 'too short',
      }),
    ]);
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain(
      `Unknown environment variable GATEHOUSE_${'SESION_STORE'} (did you mean GATEHOUSE_SESSION_STORE?)`,
    );
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain(
      'GATEHOUSE_ADMIN_PASSWORD is refused by the password policy: The password is too short: at least 15 characters.',
    );
  });
});
