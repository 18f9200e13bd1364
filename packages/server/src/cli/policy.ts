import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { Decision, EvaluationRequest, PolicyCaseResult } from '@gatehouse/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ExitCode, print } from './output.ts';

export function entity(value: string): { type: string; id: string } {
  const at = value.indexOf(':');
  if (at <= 0 || at === value.length - 1) throw new InvalidArgumentError('expected type:id, e.g. user:alice');
  return { type: value.slice(0, at), id: value.slice(at + 1) };
}

export function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('expected a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError('expected a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export function explain(decision: Decision): string {
  const lines = [`decision: ${decision.decision ? 'allow' : 'deny'} (${decision.reason})`];
  for (const t of decision.trace) {
    const outcome = t.error === undefined ? (t.matched ? 'matched' : 'not matched') : `error: ${t.error}`;
    lines.push(`  ${t.effect.padEnd(5)} ${t.rule}  ${outcome}`);
  }
  if (decision.cost !== undefined) lines.push(`cost: ${decision.cost} units`);
  lines.push(`policy version: ${decision.policyVersion}`);
  return lines.join('\n');
}

function caseLine(r: PolicyCaseResult, dir: string): string {
  const where = `${relative(dir, r.file) || r.file}:${r.line}`;
  if (r.passed) return `PASS ${r.name}  (${where})`;
  const want = `${r.expected.decision}${r.expected.reason === undefined ? '' : ` (${r.expected.reason})`}`;
  const got = `${r.actual.decision} (${r.actual.reason})`;
  const trace = r.actual.trace
    .map((t) => `      ${t.effect} ${t.rule}: ${t.error === undefined ? t.matched : `error: ${t.error}`}`)
    .join('\n');
  return `FAIL ${r.name}  (${where})\n    expected ${want}, got ${got}${trace === '' ? '' : `\n${trace}`}`;
}

/**
 * `gatehouse policy test <dir>` runs the `*.test.yaml` case tables beside the policies (like
 * `opa test`), and `gatehouse policy check <dir>` evaluates one request with its explanation and
 * exits 0 on allow, 1 on deny. Neither needs a database; invalid policies exit 2.
 */
export function registerPolicyCommands(program: Command): void {
  const policy = program
    .command('policy')
    .description('test and query policy documents (no database needed)');

  policy
    .command('test <dir>')
    .description('run the *.test.yaml case tables of <dir> against its policies; exit 1 on any failure')
    .addOption(new Option('--json', 'machine-readable output'))
    .action(async (dir: string, opts: { json?: boolean }) => {
      const { caseFiles, loadPolicyDir, parsePolicyCases, runPolicyCases } = await import('@gatehouse/core');
      const engine = await loadPolicyDir(dir);
      const results: PolicyCaseResult[] = [];
      const files = await caseFiles(dir);
      for (const file of files) {
        results.push(...runPolicyCases(engine, parsePolicyCases(await readFile(file, 'utf8'), file), file));
      }
      const failed = results.filter((r) => !r.passed).length;
      print(
        opts.json === true,
        {
          policy_version: engine.policyVersion,
          passed: results.length - failed,
          failed,
          cases: results.map((r) => ({
            file: r.file,
            line: r.line,
            name: r.name,
            passed: r.passed,
            expected: r.expected,
            actual: r.actual,
          })),
        },
        () =>
          [
            ...results.map((r) => caseLine(r, dir)),
            files.length === 0 ? `no *.test.yaml case tables in ${dir}` : '',
            `${results.length - failed} passed, ${failed} failed (policy ${engine.policyVersion})`,
          ]
            .filter(Boolean)
            .join('\n'),
      );
      if (failed > 0 || files.length === 0) process.exitCode = ExitCode.failure;
    });

  policy
    .command('check <dir>')
    .description('evaluate one request against the policies of <dir> and explain the decision')
    .requiredOption('--subject <type:id>', 'the subject, e.g. user:alice', entity)
    .requiredOption('--resource <type:id>', 'the resource, e.g. notes:n-1', entity)
    .requiredOption('--action <name>', 'the action, e.g. delete')
    .option('--subject-properties <json>', 'subject properties as a JSON object', jsonObject)
    .option('--resource-properties <json>', 'resource properties as a JSON object', jsonObject)
    .option('--context <json>', 'request context as a JSON object', jsonObject)
    .addOption(new Option('--json', 'machine-readable output'))
    .action(
      async (
        dir: string,
        opts: {
          subject: { type: string; id: string };
          resource: { type: string; id: string };
          action: string;
          subjectProperties?: Record<string, unknown>;
          resourceProperties?: Record<string, unknown>;
          context?: Record<string, unknown>;
          json?: boolean;
        },
      ) => {
        const { loadPolicyDir } = await import('@gatehouse/core');
        const engine = await loadPolicyDir(dir);
        const request: EvaluationRequest = {
          subject: {
            ...opts.subject,
            ...(opts.subjectProperties === undefined ? {} : { properties: opts.subjectProperties }),
          },
          resource: {
            ...opts.resource,
            ...(opts.resourceProperties === undefined ? {} : { properties: opts.resourceProperties }),
          },
          action: { name: opts.action },
          ...(opts.context === undefined ? {} : { context: opts.context }),
        };
        const decision = engine.evaluate(request);
        print(opts.json === true, decision, () => explain(decision));
        // Scripts and CI can gate on the answer: 0 allow, 1 deny (an invalid policy exits 2).
        if (!decision.decision) process.exitCode = ExitCode.failure;
      },
    );
}
