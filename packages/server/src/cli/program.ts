import { readFileSync } from 'node:fs';
import type { RoleRecord } from '@gatehouse/core';
import { Command, Option } from 'commander';
import type { Gatehouse } from '../gatehouse.ts';
import { signOut } from '../sign-out.ts';
import { registerApiKeyCommands } from './api-keys.ts';
import { registerClientCommands } from './clients.ts';
import { registerUserImportCommand } from './import-users.ts';
import { registerKeyCommands } from './keys.ts';
import { confirmed, ExitCode, fail, print, readStdin } from './output.ts';
import { registerPoliciesCommands } from './policies.ts';
import { registerPolicyCommands } from './policy.ts';
import { registerSecretsCommands } from './secrets.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** A role as every command prints it: dates in ISO 8601, like the rest of the CLI. */
const roleRow = (r: RoleRecord) => ({
  name: r.name,
  description: r.description,
  permissions: r.permissions,
  created_at: iso(r.createdAt),
  updated_at: iso(r.updatedAt),
});

/**
 * Opens the configured stores for one administrative command, then closes them. The server's
 * modules are imported here, not at the top: `--help`, `--version` and usage errors load nothing
 * but the command tree (commander), and no command loads the OAuth engine unless it serves HTTP.
 */
export async function withGatehouse<T>(task: (gatehouse: Gatehouse) => Promise<T>): Promise<T> {
  const [{ loadConfig }, { createGatehouse }, { createLogger }, { bootstrap }] = await Promise.all([
    import('../config.ts'),
    import('../gatehouse.ts'),
    import('../logger.ts'),
    import('../bootstrap.ts'),
  ]);
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

function packageVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('gatehouse')
    .description('Gatehouse authentication and authorization server')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride((error) => process.exit(error.exitCode === 0 ? ExitCode.ok : ExitCode.usage));
  const json = new Option('--json', 'machine-readable output');

  program
    .command('start')
    .description('run the server (migrates the database first)')
    .action(async () => {
      const [{ loadConfig }, { closeOnSignals, startServer }] = await Promise.all([
        import('../config.ts'),
        import('../server.ts'),
      ]);
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
    .description('create a user; without --password-stdin they cannot sign in until one is set')
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
      const notice =
        password === undefined
          ? `No password set: ${user.email} cannot sign in until an administrator runs \`gatehouse users set-password ${user.email} --password-stdin\`.`
          : undefined;
      print(
        opts.json === true,
        {
          id: user.id,
          email: user.email,
          password_set: password !== undefined,
          ...(notice === undefined ? {} : { notice }),
        },
        () => [`created user ${user.email} (${user.id})`, notice].filter(Boolean).join('\n'),
      );
    });
  users
    .command('set-password <user>')
    .description(
      "set a user's password (by email or id), read from standard input; ends their sessions and grants",
    )
    .requiredOption('--password-stdin', 'read the password from standard input (required)')
    .addOption(json)
    .action(async (who: string, opts: { json?: boolean }) => {
      const password = await readStdin();
      const user = await withGatehouse(async (g) => {
        const u = await g.accounts.requireUser(who);
        await g.accounts.setPassword(u.id, password, cliMeta);
        return u;
      });
      print(
        opts.json === true,
        { id: user.id, email: user.email, password_set: true },
        () => `set the password of ${user.email}; their sessions and grants ended`,
      );
    });
  users
    .command('delete <user>')
    .description('delete a user (by email or id) after revoking their sessions, tokens, grants and API keys')
    .option('--yes', 'do not ask for confirmation (required when standard input is not a terminal)')
    .addOption(json)
    .action(async (who: string, opts: { yes?: boolean; json?: boolean }) => {
      if (opts.yes !== true && !(await confirmed(`Delete the user ${who} and everything issued to them?`))) {
        process.stderr.write('error: not deleted (confirm with --yes)\n');
        process.exitCode = ExitCode.usage;
        return;
      }
      const user = await withGatehouse(async (g) => {
        const u = await g.accounts.requireUser(who);
        await g.accounts.deleteUser(u.id, cliMeta);
        return u;
      });
      print(
        opts.json === true,
        { id: user.id, email: user.email, deleted: true },
        () => `deleted ${user.email}`,
      );
    });
  users
    .command('list')
    .description('list users with their roles')
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
  registerUserImportCommand(users, withGatehouse);
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
      print(opts.json === true, roleRow(role), () => `role ${role.name}: ${role.permissions.join(', ')}`);
    });
  roles
    .command('list')
    .description('list roles and their permissions')
    .addOption(json)
    .action(async (opts: { json?: boolean }) => {
      const list = await withGatehouse((g) => g.accounts.listRoles());
      print(opts.json === true, list.map(roleRow), () =>
        list.map((r) => `${r.name}: ${r.permissions.join(', ')}`).join('\n'),
      );
    });
  for (const [name, grant] of [
    ['grant', true],
    ['revoke', false],
  ] as const) {
    roles
      .command(`${name} <role>`)
      .description(`${name} a role ${grant ? 'to' : 'from'} a user`)
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

  const sessionsCommand = program.command('sessions').description('manage sessions');
  sessionsCommand
    .command('revoke')
    .description('end every session of a user, on every node')
    .requiredOption('--user <user>', 'end every session of this user (email or id)')
    .addOption(json)
    .action(async (opts: { user: string; json?: boolean }) => {
      const { createCommands } = await import('../commands/index.ts');
      const { revoked } = await withGatehouse((g) =>
        createCommands(g).revokeUserSessions({ user: opts.user, meta: cliMeta }),
      );
      print(opts.json === true, { revoked }, () => `revoked ${revoked} session(s)`);
    });

  sessionsCommand
    .command('revoke-all')
    .description(
      'mass sign-out: access tokens issued before now refused everywhere (revocation feed), then every session, refresh family and OAuth grant ends',
    )
    .option('--user <user>', 'sign this user out (email or id)')
    .option('--all', 'sign everyone out')
    .option(
      '--yes',
      'with --all: do not ask for confirmation (required when standard input is not a terminal)',
    )
    .addOption(json)
    .action(async (opts: { user?: string; all?: boolean; yes?: boolean; json?: boolean }) => {
      const refuse = (message: string) => {
        process.stderr.write(`error: ${message}\n`);
        process.exitCode = ExitCode.usage;
      };
      if ((opts.user === undefined) === (opts.all !== true))
        return refuse('give exactly one of --user and --all');
      if (
        opts.all === true &&
        opts.yes !== true &&
        !(await confirmed('Sign every user out of every session?'))
      )
        return refuse('nobody signed out (confirm with --yes)');
      const result = await withGatehouse(async (g) =>
        signOut(
          g,
          opts.all === true ? 'everyone' : { userId: (await g.accounts.requireUser(opts.user!)).id },
          cliMeta,
        ),
      );
      const cutoff = new Date(result.cutoff).toISOString();
      print(
        opts.json === true,
        { ...result, cutoff },
        () =>
          `tokens issued before ${cutoff} are refused; ended ${result.sessions} session(s) and ${result.grants} OAuth grant(s)`,
      );
    });

  registerKeyCommands(program, withGatehouse, (g) => g.keyRing);
  registerPolicyCommands(program);
  registerApiKeyCommands(program, withGatehouse);
  registerPoliciesCommands(program, withGatehouse);
  registerClientCommands(program, withGatehouse);
  registerSecretsCommands(program, withGatehouse);
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    await fail(error);
  }
}
