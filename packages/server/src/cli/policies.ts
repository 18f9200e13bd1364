import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { CLI_META, type withCommands } from './open.ts';
import { ExitCode, print, readStdin } from './output.ts';
import { entity, explain, jsonObject } from './policy.ts';

const NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const iso = (ms: number) => new Date(ms).toISOString();

function documentName(value: string): string {
  if (!NAME.test(value))
    throw new InvalidArgumentError('expected [a-z0-9][a-z0-9_.-]*, at most 64 characters');
  return value;
}
function version(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('expected a version number');
  return Number(value);
}

/**
 * `gatehouse policies list|get|put|delete`: the API-managed policy documents, straight in the
 * database (same validation, audit and invalidation as the admin API). Running nodes reload at
 * once when they share Redis with the CLI; a single SQLite node reloads on its next restart, so
 * prefer the admin API there.
 */
export function registerPoliciesCommands(program: Command, open: typeof withCommands): void {
  const policies = program
    .command('policies')
    .description('manage the policy documents stored in the database (beside GATEHOUSE_POLICY_DIR)');
  const json = () => new Option('--json', 'machine-readable output');

  policies
    .command('list')
    .description('list the stored documents, the directory files and the live policy version')
    .addOption(json())
    .action(async (opts: { json?: boolean }) => {
      const result = await open((c) => c.listPolicies());
      const rows = result.documents.map((d) => ({
        name: d.name,
        version: d.version,
        updated_at: iso(d.updatedAt),
        updated_by: d.updatedBy,
      }));
      print(
        opts.json === true,
        {
          policy_version: result.policyVersion,
          directory: result.directory,
          documents: rows,
        },
        () =>
          [
            ...result.directory.map((name) => `${name}  (directory, read-only)`),
            ...rows.map((r) => `${r.name}  v${r.version}  updated ${r.updated_at}`),
            `policy version: ${result.policyVersion ?? 'none (stored roles only)'}`,
          ].join('\n'),
      );
    });

  policies
    .command('get <name>')
    .description('print a stored document (its source; --json adds the version)')
    .addOption(json())
    .action(async (name: string, opts: { json?: boolean }) => {
      const doc = await open((c) => c.getPolicy({ name: documentName(name) }));
      print(
        opts.json === true,
        { name: doc.name, version: doc.version, updated_at: iso(doc.updatedAt), source: doc.source },
        () => doc.source.replace(/\n$/, ''),
      );
    });

  policies
    .command('put <name> [file]')
    .description('create or replace a document from <file> (or standard input); validated first')
    .option('--if-version <n>', 'only replace this version (0: only create)', version)
    .addOption(json())
    .action(async (name: string, file: string | undefined, opts: { ifVersion?: number; json?: boolean }) => {
      const source = file === undefined ? await readStdin() : await readFile(file, 'utf8');
      const result = await open((c) =>
        c.putPolicy({
          name: documentName(name),
          source,
          expectedVersion: opts.ifVersion,
          actorId: null,
          meta: CLI_META,
        }),
      );
      print(
        opts.json === true,
        { name: result.doc.name, version: result.doc.version, created: result.created },
        () => `${result.created ? 'created' : 'replaced'} ${result.doc.name} (version ${result.doc.version})`,
      );
    });

  policies
    .command('delete <name>')
    .description('delete a stored document; refused if the rest no longer compiles')
    .option('--if-version <n>', 'only delete this version', version)
    .addOption(json())
    .action(async (name: string, opts: { ifVersion?: number; json?: boolean }) => {
      const deleted = await open((c) =>
        c.deletePolicy({ name: documentName(name), expectedVersion: opts.ifVersion, meta: CLI_META }),
      );
      print(opts.json === true, { deleted: deleted.name }, () => `deleted ${deleted.name}`);
    });

  policies
    .command('explain')
    .description(
      'decide one request with the live policy and stored roles, and explain it (exit 0 allow, 1 deny)',
    )
    .requiredOption('--subject <type:id>', 'the subject, e.g. user:<id>', entity)
    .requiredOption('--resource <type:id>', 'the resource, e.g. notes:n-1', entity)
    .requiredOption('--action <name>', 'the action, e.g. delete')
    .option('--resource-properties <json>', 'resource properties as a JSON object', jsonObject)
    .option('--subject-properties <json>', 'subject properties as a JSON object', jsonObject)
    .option('--context <json>', 'request context as a JSON object', jsonObject)
    .addOption(json())
    .action(
      async (opts: {
        subject: { type: string; id: string };
        resource: { type: string; id: string };
        action: string;
        resourceProperties?: Record<string, unknown>;
        subjectProperties?: Record<string, unknown>;
        context?: Record<string, unknown>;
        json?: boolean;
      }) => {
        const request = {
          subject: {
            ...opts.subject,
            ...(opts.subjectProperties ? { properties: opts.subjectProperties } : {}),
          },
          resource: {
            ...opts.resource,
            ...(opts.resourceProperties ? { properties: opts.resourceProperties } : {}),
          },
          action: { name: opts.action },
          ...(opts.context ? { context: opts.context } : {}),
        };
        // With no document loaded the command refuses (conflict): exit 4, with its reason.
        const decision = await open((c) => c.explainDecision({ request }));
        print(opts.json === true, decision, () => explain(decision));
        if (!decision.decision) process.exitCode = ExitCode.failure;
      },
    );
}
