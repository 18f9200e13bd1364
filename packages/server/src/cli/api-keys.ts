import type { ServiceAccountRecord } from '@gatehouse/core';
import { type Command, Option } from 'commander';
import type { ApiKeyView } from '../api-keys/api-key-view.ts';
import { CLI_META, type withCommands } from './open.ts';
import { print } from './output.ts';

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

function rateLimitOf(value: string | undefined) {
  if (value === undefined) return undefined;
  const match = /^(\d+)\/(\d+)s$/.exec(value);
  if (match === null) throw new Error('--rate-limit takes <requests>/<seconds>s, e.g. 600/60s');
  return { limit: Number(match[1]), window_seconds: Number(match[2]) };
}

function accountRow(a: ServiceAccountRecord) {
  return {
    id: a.id,
    name: a.name,
    description: a.description,
    disabled: a.disabled,
    rate_limit: a.rateLimit === null ? null : `${a.rateLimit.limit}/${a.rateLimit.windowSeconds}s`,
    created_at: new Date(a.createdAt).toISOString(),
  };
}

const keyLine = (k: ApiKeyView) =>
  `${k.id}  ${k.prefix}_…${k.last_four}  ${k.status}  ${k.name}  [${k.scopes.join(', ')}]  expires ${k.expires_at ?? 'never'}  last used ${k.last_used_at ?? 'never'}`;

/**
 * `gatehouse service-accounts create|list|disable|enable|delete` and
 * `gatehouse api-keys create|list|rotate|revoke`. Owners are named by service-account name, email
 * or id. A new key is printed once, on standard output; nothing else ever shows it.
 */
export function registerApiKeyCommands(program: Command, open: typeof withCommands): void {
  const json = new Option('--json', 'machine-readable output');

  const accounts = program.command('service-accounts').description('manage non-human identities');
  accounts
    .command('create <name>')
    .description('create a service account (it signs in only with API keys)')
    .option('--description <text>', 'what it is for')
    .option('--role <role...>', 'roles to grant')
    .option('--rate-limit <n/secs>', 'default limit of its keys, e.g. 600/60s')
    .addOption(json)
    .action(
      async (
        name: string,
        opts: { description?: string; role?: string[]; rateLimit?: string; json?: boolean },
      ) => {
        const rule = rateLimitOf(opts.rateLimit);
        const created = await open((c) =>
          c.createServiceAccount({
            name,
            description: opts.description,
            rateLimit: rule === undefined ? null : { limit: rule.limit, windowSeconds: rule.window_seconds },
            roles: opts.role ?? [],
            meta: CLI_META,
          }),
        );
        print(
          opts.json === true,
          accountRow(created),
          () => `created service account ${name} (${created.id})`,
        );
      },
    );
  accounts
    .command('list')
    .description('list service accounts')
    .addOption(json)
    .action(async (opts: { json?: boolean }) => {
      const rows = (await open((c) => c.listServiceAccounts())).map(accountRow);
      print(opts.json === true, rows, () =>
        rows.length === 0
          ? '(no service accounts)'
          : rows
              .map((a) => `${a.id}  ${a.name}  ${a.disabled ? 'disabled' : 'active'}  ${a.description}`)
              .join('\n'),
      );
    });
  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    accounts
      .command(`${name} <name>`)
      .description(`${name} a service account${disabled ? ' (its keys stop working at once)' : ''}`)
      .addOption(json)
      .action(async (who: string, opts: { json?: boolean }) => {
        const id = await open(async (c) => {
          const found = await c.resolveKeyOwner({ owner: who });
          await c.setServiceAccountDisabled({ id: found, disabled, meta: CLI_META });
          return found;
        });
        print(opts.json === true, { id, disabled }, () => `${name}d ${who}`);
      });
  }
  accounts
    .command('delete <name>')
    .description('delete a service account, revoking its keys')
    .addOption(json)
    .action(async (who: string, opts: { json?: boolean }) => {
      const id = await open(async (c) => {
        const found = await c.resolveKeyOwner({ owner: who });
        await c.deleteServiceAccount({ id: found, meta: CLI_META });
        return found;
      });
      print(opts.json === true, { id, deleted: true }, () => `deleted ${who}`);
    });

  const keys = program.command('api-keys').description('manage API keys');
  keys
    .command('create <owner>')
    .description('create a key for a service account (by name) or a user (by email or id)')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--scopes <list>', 'comma-separated permissions, e.g. notes:read,notes:write')
    .option('--expires-in <seconds>', 'lifetime in seconds (default: no expiry)')
    .option('--rate-limit <n/secs>', 'override the owner’s limit, e.g. 100/60s')
    .option('--allow-cidr <cidr...>', 'only accept the key from these networks')
    .addOption(json)
    .action(
      async (
        who: string,
        opts: {
          name: string;
          scopes: string;
          expiresIn?: string;
          rateLimit?: string;
          allowCidr?: string[];
          json?: boolean;
        },
      ) => {
        const rule = rateLimitOf(opts.rateLimit);
        const created = await open(async (c) =>
          c.createApiKey({
            ownerId: await c.resolveKeyOwner({ owner: who }),
            request: {
              name: opts.name,
              scopes: list(opts.scopes),
              ...(opts.expiresIn === undefined ? {} : { expires_in: Number(opts.expiresIn) }),
              ...(rule === undefined ? {} : { rate_limit: rule }),
              ...(opts.allowCidr === undefined ? {} : { allowed_cidrs: opts.allowCidr }),
            },
            by: 'admin',
            meta: CLI_META,
          }),
        );
        print(opts.json === true, created, () =>
          [`created API key ${created.id} for ${who}. It is shown only this once:`, created.key].join('\n'),
        );
      },
    );
  keys
    .command('list <owner>')
    .description('list the keys of a service account (by name) or a user (by email or id)')
    .addOption(json)
    .action(async (who: string, opts: { json?: boolean }) => {
      const rows = await open(async (c) =>
        c.listApiKeys({ ownerId: await c.resolveKeyOwner({ owner: who }) }),
      );
      print(opts.json === true, rows, () =>
        rows.length === 0 ? '(no API keys)' : rows.map(keyLine).join('\n'),
      );
    });
  keys
    .command('rotate <key-id>')
    .description('issue a successor; the old key stops at once or after --overlap seconds')
    .option('--overlap <seconds>', 'keep the old key valid this long (default 0)', '0')
    .addOption(json)
    .action(async (keyId: string, opts: { overlap: string; json?: boolean }) => {
      const created = await open((c) =>
        c.rotateApiKey({ keyId, overlapSeconds: Number(opts.overlap), meta: CLI_META }),
      );
      print(opts.json === true, created, () =>
        [`rotated ${keyId} → ${created.id}. The new key is shown only this once:`, created.key].join('\n'),
      );
    });
  keys
    .command('revoke <key-id>')
    .description('revoke a key on every node and guard')
    .addOption(json)
    .action(async (keyId: string, opts: { json?: boolean }) => {
      const { revoked } = await open((c) => c.revokeApiKey({ keyId, meta: CLI_META }));
      print(opts.json === true, { id: keyId, revoked }, () =>
        revoked ? `revoked ${keyId}` : `${keyId} was already revoked`,
      );
    });
}
