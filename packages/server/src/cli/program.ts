import { readFileSync } from 'node:fs';
import type { RoleRecord } from '@gatehouse/core';
import { Command, Option } from 'commander';
import { registerAccountLifecycleCommands } from './account-lifecycle.ts';
import { registerApiKeyCommands } from './api-keys.ts';
import { registerClientCommands } from './clients.ts';
import { registerUserImportCommand } from './import-users.ts';
import { registerKeyCommands } from './keys.ts';
import { CLI_META, withCommands } from './open.ts';
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
      await withCommands(async () => undefined);
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
      const user = await withCommands((c) =>
        c.createUser({ email: opts.email, password, roles: opts.role ?? [], meta: CLI_META }),
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
      const user = await withCommands(async (c) => {
        const u = await c.getUser({ user: who });
        await c.setUserPassword({ userId: u.id, password, meta: CLI_META });
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
      const user = await withCommands(async (c) => {
        const u = await c.getUser({ user: who });
        await c.deleteUser({ userId: u.id, meta: CLI_META });
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
      const rows = await withCommands((c) => c.listUsers({ limit: Number(opts.limit) || 100, offset: 0 }));
      print(
        opts.json === true,
        rows.map((u) => ({
          id: u.id,
          email: u.email,
          kind: u.kind,
          disabled: u.disabled,
          email_verified: u.emailVerified,
          roles: u.roles,
          created_at: iso(u.createdAt),
        })),
        () =>
          rows
            .map(
              (u) =>
                `${u.id}  ${u.email}  ${u.disabled ? 'disabled' : 'active'}  ${u.emailVerified ? 'verified' : 'unverified'}  [${u.roles.join(', ')}]`,
            )
            .join('\n') || '(no users)',
      );
    });
  registerUserImportCommand(users);
  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    users
      .command(`${name} <user>`)
      .description(`${name} a user (by email or id)${disabled ? '; ends all their sessions' : ''}`)
      .addOption(json)
      .action(async (who: string, opts: { json?: boolean }) => {
        const user = await withCommands(async (c) => {
          const u = await c.getUser({ user: who });
          await c.setUserDisabled({ userId: u.id, disabled, meta: CLI_META });
          return u;
        });
        print(opts.json === true, { id: user.id, disabled }, () => `${name}d ${user.email}`);
      });
  }
  users
    .command('reset-mfa <user>')
    .description('remove every second factor and recovery code of a user (by email or id); they are emailed')
    .addOption(json)
    .action(async (who: string, opts: { json?: boolean }) => {
      const { user, removed } = await withCommands(async (c) => {
        const u = await c.getUser({ user: who });
        return { user: u, ...(await c.resetSecondFactors(u.id, CLI_META)) };
      });
      print(
        opts.json === true,
        { id: user.id, removed },
        () => `removed ${removed} second factor(s) of ${user.email}`,
      );
    });

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
      const role = await withCommands((c) =>
        c.putRole({ name, permissions, description: opts.description, meta: CLI_META }),
      );
      print(opts.json === true, roleRow(role), () => `role ${role.name}: ${role.permissions.join(', ')}`);
    });
  roles
    .command('list')
    .description('list roles and their permissions')
    .addOption(json)
    .action(async (opts: { json?: boolean }) => {
      const list = await withCommands((c) => c.listRoles());
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
        const changed = await withCommands(async (c) => {
          const { id: userId } = await c.getUser({ user: opts.user });
          return grant
            ? c.grantRole({ userId, role, meta: CLI_META })
            : c.revokeRole({ userId, role, meta: CLI_META });
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
      const { revoked } = await withCommands((c) =>
        c.revokeUserSessions({ user: opts.user, meta: CLI_META }),
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
      const target = opts.all === true ? 'everyone' : { user: opts.user! };
      const result = await withCommands((c) => c.signOut({ target, meta: CLI_META }));
      const cutoff = new Date(result.cutoff).toISOString();
      print(
        opts.json === true,
        { ...result, cutoff },
        () =>
          `tokens issued before ${cutoff} are refused; ended ${result.sessions} session(s) and ${result.grants} OAuth grant(s)`,
      );
    });

  registerKeyCommands(program, withCommands);
  registerPolicyCommands(program);
  registerAccountLifecycleCommands(users, withCommands);
  registerApiKeyCommands(program, withCommands);
  registerPoliciesCommands(program, withCommands);
  registerClientCommands(program, withCommands);
  registerSecretsCommands(program, withCommands);
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    await fail(error);
  }
}
