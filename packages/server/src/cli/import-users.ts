import { extname, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { CLI_META, withCommands } from './open.ts';
import { ExitCode, print } from './output.ts';

interface ImportOptions {
  format?: 'jsonl' | 'csv';
  rejects?: string;
  checkpoint?: string;
  restart?: boolean;
  batchSize: string;
  firebaseSignerKey?: string;
  firebaseSaltSeparator?: string;
  firebaseRounds?: string;
  firebaseMemCost?: string;
  json?: boolean;
}

/** `gatehouse users import FILE`: see docs/accounts.md, "Importing users". */
export function registerUserImportCommand(users: Command): void {
  users
    .command('import <file>')
    .description(
      'import users with their password hashes from a JSON Lines or CSV file; resumable, rejected rows go to a rejects file',
    )
    .addOption(
      new Option('--format <format>', 'file format (default: by extension, .csv or JSON Lines)').choices([
        'jsonl',
        'csv',
      ]),
    )
    .option('--rejects <path>', 'where rejected rows are written (default: FILE.rejects.jsonl)')
    .option('--checkpoint <path>', 'where progress is kept for resuming (default: FILE.checkpoint.json)')
    .option('--restart', 'ignore the checkpoint: start from the first line with an empty rejects file')
    .option('--batch-size <n>', 'rows per transaction', '500')
    .option('--firebase-signer-key <base64>', "the Firebase project's base64_signer_key")
    .option('--firebase-salt-separator <base64>', "the Firebase project's base64_salt_separator")
    .option('--firebase-rounds <n>', "the Firebase project's rounds")
    .option('--firebase-mem-cost <n>', "the Firebase project's mem_cost")
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: ImportOptions) => {
      const { importFile, ImportFileError } = await import('../import/import-file.ts');
      const path = resolve(file);
      const batchSize = Number(opts.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
        return usage('--batch-size must be a whole number from 1 to 10000');
      const firebase = firebaseOptions(opts);
      if (typeof firebase === 'string') return usage(firebase);
      const options = {
        file: path,
        format: opts.format ?? (extname(path).toLowerCase() === '.csv' ? 'csv' : 'jsonl'),
        rejectsPath: resolve(opts.rejects ?? `${path}.rejects.jsonl`),
        checkpointPath: resolve(opts.checkpoint ?? `${path}.checkpoint.json`),
        restart: opts.restart === true,
        batchSize,
        firebase,
        meta: CLI_META,
      } as const;
      try {
        const result = await withCommands((c) => importFile(options, c.importUsers));
        print(
          opts.json === true,
          {
            imported: result.imported,
            rejected: result.rejected,
            resumed_after_line: result.resumedAfterLine,
            already_done: result.alreadyDone,
            rejects_file: options.rejectsPath,
            checkpoint: options.checkpointPath,
          },
          () =>
            [
              result.alreadyDone
                ? `${file} was already imported (checkpoint ${options.checkpointPath}); --restart imports it again`
                : result.resumedAfterLine > 0
                  ? `resumed after line ${result.resumedAfterLine}`
                  : undefined,
              `${result.imported} imported, ${result.rejected} rejected`,
              result.rejected > 0
                ? `rejected rows, with their line and reason: ${options.rejectsPath}`
                : undefined,
            ]
              .filter(Boolean)
              .join('\n'),
        );
      } catch (error) {
        if (error instanceof ImportFileError) return usage(error.message);
        throw error;
      }
    });
}

function usage(message: string): void {
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = ExitCode.usage;
}

function firebaseOptions(opts: ImportOptions) {
  const given = [
    opts.firebaseSignerKey,
    opts.firebaseSaltSeparator,
    opts.firebaseRounds,
    opts.firebaseMemCost,
  ];
  if (given.every((value) => value === undefined)) return undefined;
  if (given.some((value) => value === undefined))
    return 'give all four --firebase-* options (signer key, salt separator, rounds, mem cost) or none';
  const rounds = Number(opts.firebaseRounds);
  const memCost = Number(opts.firebaseMemCost);
  if (!Number.isInteger(rounds) || !Number.isInteger(memCost))
    return '--firebase-rounds and --firebase-mem-cost are whole numbers';
  return {
    signerKey: Buffer.from(opts.firebaseSignerKey!, 'base64'),
    saltSeparator: Buffer.from(opts.firebaseSaltSeparator!, 'base64'),
    rounds,
    memCost,
  };
}
