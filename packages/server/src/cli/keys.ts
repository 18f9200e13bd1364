import type { SigningKeyInfo } from '@gatehouse/core';
import { type Command, Option } from 'commander';
import type { Gatehouse } from '../gatehouse.ts';
import type { KeyRing } from '../keys/key-ring.ts';
import { print } from './output.ts';
import type { withGatehouse } from './program.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function row(key: SigningKeyInfo) {
  return {
    kid: key.kid,
    alg: key.alg,
    status: key.status,
    created_at: iso(key.createdAt),
    activated_at: iso(key.activatedAt),
    retired_at: iso(key.retiredAt),
    remove_after: iso(key.removeAfter),
  };
}

const STATUS_ORDER = { active: 0, next: 1, retired: 2 } as const;

/**
 * `gatehouse keys list` and `gatehouse keys rotate`. `keyRingOf` reaches the node's key ring
 * (`(g) => g.keyRing` once the Gatehouse carries one).
 */
export function registerKeyCommands(
  program: Command,
  open: typeof withGatehouse,
  keyRingOf: (gatehouse: Gatehouse) => KeyRing,
): void {
  const keys = program.command('keys').description('inspect and rotate the token signing keys');

  keys
    .command('list')
    .description('every stored signing key: active, next (published, not yet signing), retired')
    .addOption(new Option('--json', 'machine-readable output'))
    .action(async (opts: { json?: boolean }) => {
      const list = await open((g) => keyRingOf(g).list());
      const rows = [...list]
        .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.createdAt - a.createdAt)
        .map(row);
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
      const result = await open((g) => keyRingOf(g).rotate());
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
}
