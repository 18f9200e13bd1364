import { Command, Option } from 'commander';
import { bootstrap } from '../bootstrap.ts';
import { loadConfig } from '../config.ts';
import { createGatehouse, type Gatehouse } from '../gatehouse.ts';
import { createLogger } from '../logger.ts';
import { closeOnSignals, startServer } from '../server.ts';
import { registerApiKeyCommands } from './api-keys.ts';
import { registerClientCommands } from './clients.ts';
import { registerKeyCommands } from './keys.ts';
import { ExitCode, fail, print, readStdin } from './output.ts';
import { registerPoliciesCommands } from './policies.ts';
import { registerPolicyCommands } from './policy.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** Opens the configured stores for one administrative command, then closes them. */
export async function withGatehouse<T>(task: (gatehouse: Gatehouse) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const gatehouse = await createGatehouse(
    config,
    createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr),
  );
  try {
    await bootstrap(gatehouse);
    return await task(gatehouse);
  } finally {
    await gatehouse.close();
  }
}

const cliMeta = { ip: 'cli', requestId: 'cli' };

export function buildProgram(): Command {
  const program = new Command('gatehouse')
    .description('Gatehouse authentication and authorization server')
    .showHelpAfterError()
    .exitOverride((error) => process.exit(error.exitCode === 0 ? ExitCode.ok : ExitCode.usage));
  const json = new Option('--json', 'machine-readable output');

  program
    .command('start')
    .description('run the server (migrates the database first)')
    .action(async () => {
      const server = await startServer(loadConfig());
      closeOnSignals(server);
    });

  program
    .command('migrate')
    .description('apply database migrations and exit')
    .addOption(json)
    .action(async (opts: { json?: boolean }) => {
      await withGatehouse(async () => undefined);
      print(opts.json === true, { migrated: true }, () => 'database is up to date');
    });

  const users = program.command('users').description('manage users');
  users
    .command('create')
    .requiredOption('--email <email>', 'email address')
    .option('--password-stdin', 'read the password from standard input')
    .option('--role <role...>', 'roles to grant')
    .addOption(json)
    .action(async (opts: { email: string; passwordStdin?: boolean; role?: string[]; json?: boolean }) => {
      const password = opts.passwordStdin === true ? await readStdin() : undefined;
      const user = await withGatehouse((g) =>
        g.accounts.createUser(
          { email: opts.email, ...(password === undefined ? {} : { password }), roles: opts.role ?? [] },
          cliMeta,
        ),
      );
      print(
        opts.json === true,
        { id: user.id, email: user.email },
        () => `created user ${user.email} (${user.id})`,
      );
    });
  users
    .command('list')
    .addOption(json)
    .option('--limit <n>', 'at most this many', '100')
    .action(async (opts: { json?: boolean; limit: string }) => {
      const rows = await withGatehouse(async (g) => {
        const list = await g.accounts.listUsers({ limit: Number(opts.limit) || 100, offset: 0 });
        return Promise.all(list.map(async (u) => ({ ...u, roles: await g.accounts.rolesOf(u.id) })));
      });
      print(
        opts.json === true,
        rows.map((u) => ({
          id: u.id,
          email: u.email,
          kind: u.kind,
          disabled: u.disabled,
          roles: u.roles,
          created_at: iso(u.createdAt),
        })),
        () =>
          rows
            .map((u) => `${u.id}  ${u.email}  ${u.disabled ? 'disabled' : 'active'}  [${u.roles.join(', ')}]`)
            .join('\n') || '(no users)',
      );
    });
  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    users
      .command(`${name} <user>`)
      .description(`${name} a user (by email or id)${disabled ? '; ends all their sessions' : ''}`)
      .addOption(json)
      .action(async (who: string, opts: { json?: boolean }) => {
        const user = await withGatehouse(async (g) => {
          const u = await g.accounts.requireUser(who);
          await g.accounts.setDisabled(u.id, disabled, cliMeta);
          return u;
        });
        print(opts.json === true, { id: user.id, disabled }, () => `${name}d ${user.email}`);
      });
  }

  const roles = program.command('roles').description('manage roles and their permissions');
  roles
    .command('create <name>')
    .description('create or replace a role')
    .requiredOption(
      '--permissions <list>',
      'comma-separated resource:action permissions, e.g. notes:read,notes:*',
    )
    .option('--description <text>', 'what the role is for')
    .addOption(json)
    .action(async (name: string, opts: { permissions: string; description?: string; json?: boolean }) => {
      const permissions = opts.permissions
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      const role = await withGatehouse((g) =>
        g.accounts.upsertRole(
          { name, permissions, ...(opts.description === undefined ? {} : { description: opts.description }) },
          cliMeta,
        ),
      );
      print(opts.json === true, role, () => `role ${role.name}: ${role.permissions.join(', ')}`);
    });
  roles
    .command('list')
    .addOption(json)
    .action(async (opts: { json?: boolean }) => {
      const list = await withGatehouse((g) => g.accounts.listRoles());
      print(opts.json === true, list, () =>
        list.map((r) => `${r.name}: ${r.permissions.join(', ')}`).join('\n'),
      );
    });
  for (const [name, grant] of [
    ['grant', true],
    ['revoke', false],
  ] as const) {
    roles
      .command(`${name} <role>`)
      .requiredOption('--user <user>', 'email or id')
      .addOption(json)
      .action(async (role: string, opts: { user: string; json?: boolean }) => {
        const changed = await withGatehouse(async (g) => {
          const u = await g.accounts.requireUser(opts.user);
          return grant
            ? g.accounts.grantRole(u.id, role, cliMeta)
            : g.accounts.revokeRole(u.id, role, cliMeta);
        });
        print(opts.json === true, { role, user: opts.user, changed }, () =>
          changed ? `${name}ed ${role} ${grant ? 'to' : 'from'} ${opts.user}` : 'nothing to change',
        );
      });
  }

  program
    .command('sessions')
    .description('manage sessions')
    .command('revoke')
    .requiredOption('--user <user>', 'end every session of this user (email or id)')
    .addOption(json)
    .action(async (opts: { user: string; json?: boolean }) => {
      const revoked = await withGatehouse(async (g) => {
        const u = await g.accounts.requireUser(opts.user);
        const count = await g.sessions.endAll(u.id);
        await g.audit.record('sessions.revoked_all', cliMeta, {
          subjectId: u.id,
          details: { revoked: count },
        });
        return count;
      });
      print(opts.json === true, { revoked }, () => `revoked ${revoked} session(s)`);
    });

  registerKeyCommands(program, withGatehouse, (g) => g.keyRing);
  registerPolicyCommands(program);
  registerApiKeyCommands(program, withGatehouse);
  registerPoliciesCommands(program, withGatehouse);
  registerClientCommands(program, withGatehouse);
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    fail(error);
  }
}
