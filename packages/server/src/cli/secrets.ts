import { type Command, InvalidArgumentError, Option } from 'commander';
import type { RekeyProgress } from '../keys/rekey.ts';
import type { withCommands } from './open.ts';
import { print } from './output.ts';

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1 || value > 10_000)
    throw new InvalidArgumentError('--batch must be an integer from 1 to 10000.');
  return value;
}

const line = (p: RekeyProgress) =>
  `${p.store}: ${p.scanned} scanned, ${p.rekeyed} re-encrypted, ${p.current} already current, ${p.skipped} changed meanwhile`;

/**
 * `gatehouse secrets rekey`: after a change of GATEHOUSE_SECRET (the old one in
 * GATEHOUSE_SECRET_PREVIOUS), re-encrypts every sealed record under the new secret. Progress goes
 * to stderr after each batch; Ctrl-C stops after the batch in hand, and running again finishes.
 */
export function registerSecretsCommands(program: Command, open: typeof withCommands): void {
  const secrets = program.command('secrets').description('change of the master secret (GATEHOUSE_SECRET)');

  secrets
    .command('rekey')
    .description(
      're-encrypt everything sealed under GATEHOUSE_SECRET_PREVIOUS under GATEHOUSE_SECRET; resumable, safe beside running servers',
    )
    .addOption(new Option('--batch <n>', 'records per batch').argParser(positiveInteger).default(100))
    .addOption(new Option('--json', 'machine-readable output'))
    .action(async (opts: { batch: number; json?: boolean }) => {
      let interrupted = false;
      const stop = () => {
        interrupted = true;
      };
      process.once('SIGINT', stop);
      try {
        const totals = await open((c) =>
          c.rekeySecrets({
            batch: opts.batch,
            onBatch: (progress) => {
              process.stderr.write(`${line(progress)}\n`);
              if (interrupted) throw new Error('interrupted: run `gatehouse secrets rekey` again to finish');
            },
          }),
        );
        const skipped = totals.reduce((sum, p) => sum + p.skipped, 0);
        print(opts.json === true, { stores: totals, complete: skipped === 0 }, () =>
          [
            ...totals.map(line),
            skipped === 0
              ? 'done: everything sealed is under the current secret'
              : 'some records changed meanwhile: run again (every node must run the new GATEHOUSE_SECRET)',
          ].join('\n'),
        );
      } finally {
        process.off('SIGINT', stop);
      }
    });
}
