import { type Command, Option } from 'commander';
import { signingKeyView } from '../keys/signing-key-view.ts';
import { CLI_META, type withCommands } from './open.ts';
import { print } from './output.ts';

const STATUS_ORDER = { active: 0, next: 1, retired: 2, revoked: 3 } as const;

/** `gatehouse keys list|rotate|revoke`, through the signing-key commands the admin API uses too. */
export function registerKeyCommands(program: Command, open: typeof withCommands): void {
  const keys = program.command('keys').description('inspect and rotate the token signing keys');

  keys
    .command('list')
    .description('every stored signing key: active, next (published, not yet signing), retired')
    .addOption(new Option('--json', 'machine-readable output'))
    .action(async (opts: { json?: boolean }) => {
      const list = await open((c) => c.listSigningKeys());
      const rows = [...list]
        .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.createdAt - a.createdAt)
        .map(signingKeyView);
      print(
        opts.json === true,
        rows,
        () =>
          rows
            .map((r) =>
              [
                r.kid,
                r.alg.padEnd(5),
                r.status.padEnd(7),
                `created ${r.created_at}`,
                r.activated_at === null ? '' : `activated ${r.activated_at}`,
                r.retired_at === null ? '' : `retired ${r.retired_at}`,
                r.remove_after === null ? '' : `remove after ${r.remove_after}`,
              ]
                .filter(Boolean)
                .join('  '),
            )
            .join('\n') || '(no signing keys)',
      );
    });

  keys
    .command('rotate')
    .description(
      'rotate now: the next key starts signing, the active key is retired (published until its tokens expire), a new next key is made',
    )
    .addOption(new Option('--json', 'machine-readable output'))
    .action(async (opts: { json?: boolean }) => {
      const result = await open((c) => c.rotateSigningKeys({ meta: CLI_META }));
      print(
        opts.json === true,
        result,
        () =>
          (result.rotated
            ? `rotated: ${result.active} signs now (retired ${result.retired}); next key ${result.next}; running servers pick it up within 30 s`
            : `another node rotated at the same moment: ${result.active} signs now; next key ${result.next}`) +
          (result.rs256 === undefined
            ? ''
            : `\nRS256 ring (ID tokens): ${result.rs256.active} signs now; next key ${result.rs256.next}`),
      );
    });

  keys
    .command('revoke <kid>')
    .description(
      'a leaked key: out of the JWKS now, every token it signed refused on every node and guard (revocation feed); if it was active, the next key signs now',
    )
    .addOption(new Option('--json', 'machine-readable output'))
    .action(async (kid: string, opts: { json?: boolean }) => {
      const result = await open((c) => c.revokeSigningKey({ kid, meta: CLI_META }));
      print(
        opts.json === true,
        result,
        () =>
          (result.revoked
            ? `revoked ${result.kid} (was ${result.previousStatus})`
            : `${result.kid} was already revoked; announced again`) +
          `; ${result.active} signs now, next key ${result.next}. Tokens it signed are refused within the revocation bound; sign everyone out too if refresh tokens may have leaked with it.`,
      );
    });
}
