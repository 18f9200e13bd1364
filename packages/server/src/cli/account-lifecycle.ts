import { type Command, Option } from 'commander';
import { CLI_META, type withCommands } from './open.ts';
import { print } from './output.ts';

/**
 * `gatehouse users invite` and `gatehouse users send-reset`: what an operator does for someone
 * else's account by email (the admin API has the same: POST /admin/v1/invitations and
 * /admin/v1/users/:id/password-reset). Setting a password directly is `users set-password`.
 */
export function registerAccountLifecycleCommands(users: Command, open: typeof withCommands): void {
  const json = () => new Option('--json', 'machine-readable output');
  users
    .command('invite <email>')
    .description(
      'invite an address (with roles) to choose a password; works whatever GATEHOUSE_REGISTRATION is',
    )
    .option('--role <role...>', 'roles to grant')
    .addOption(json())
    .action(async (email: string, opts: { role?: string[]; json?: boolean }) => {
      const { user, expiresAt } = await open((c) =>
        c.inviteUser({ email, roles: opts.role ?? [], meta: CLI_META }),
      );
      const expires = new Date(expiresAt).toISOString();
      print(
        opts.json === true,
        { id: user.id, email: user.email, roles: user.roles, invitation_expires_at: expires },
        () => `invited ${user.email} (${user.id}); the invitation expires at ${expires}`,
      );
    });
  users
    .command('send-reset <user>')
    .description('email a user (by email or id) a single-use password reset link')
    .addOption(json())
    .action(async (who: string, opts: { json?: boolean }) => {
      const user = await open(async (c) => {
        const u = await c.getUser({ user: who });
        await c.sendPasswordReset({ userId: u.id, meta: CLI_META });
        return u;
      });
      print(
        opts.json === true,
        { id: user.id, email: user.email, reset_link_sent: true },
        () => `sent a password reset link to ${user.email}`,
      );
    });
}
