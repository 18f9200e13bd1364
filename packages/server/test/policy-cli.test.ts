import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { registerPolicyCommands } from '../src/cli/policy.ts';

/** Runs the policy commands in process (they need no database), capturing stdout and the exit code. */
const examples = resolve(fileURLToPath(new URL('../../../examples/policies', import.meta.url)));
const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-policy-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

async function run(...args: string[]): Promise<{ out: string; code: number }> {
  const program = new Command('gatehouse').exitOverride();
  program.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerPolicyCommands(program);
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  await program.parseAsync(['node', 'gatehouse', 'policy', ...args]);
  const code = Number(process.exitCode ?? 0);
  vi.restoreAllMocks();
  return { out, code };
}

describe('gatehouse policy test', () => {
  it('runs the example case tables: PASS per case, exit 0', async () => {
    const { out, code } = await run('test', examples);
    expect(code).toBe(0);
    expect(out).toMatch(
      /^PASS an author deletes their own note \(CEL ownership\) {2}\(notes\.test\.yaml:\d+\)$/m,
    );
    expect(out).not.toContain('FAIL');
    expect(out).toMatch(/^\d+ passed, 0 failed \(policy v1-[0-9a-f]{12}\)$/m);
  });

  it('reports a failing case with the expectation and trace, exit 1', async () => {
    const dir = join(scratch, 'failing');
    cpSync(examples, dir, { recursive: true });
    writeFileSync(
      join(dir, 'wrong.test.yaml'),
      [
        'cases:',
        '  - name: wrongly expects a reader to delete',
        '    request:',
        '      subject: { type: user, id: rita }',
        '      resource: { type: notes, id: n-1, properties: { ownerID: rita } }',
        '      action: { name: delete }',
        '    decision: true',
      ].join('\n'),
    );
    const { out, code } = await run('test', dir);
    expect(code).toBe(1);
    expect(out).toContain('FAIL wrongly expects a reader to delete  (wrong.test.yaml:2)');
    expect(out).toContain('expected true, got false (no_match)');
    expect(out).toMatch(/1 failed/);
  });

  it('--json gives counts and every case', async () => {
    const { out, code } = await run('test', examples, '--json');
    expect(code).toBe(0);
    const body = JSON.parse(out) as { failed: number; passed: number; cases: unknown[] };
    expect(body.failed).toBe(0);
    expect(body.cases).toHaveLength(body.passed);
  });

  it('a broken policy is an error naming file and line', async () => {
    const dir = join(scratch, 'broken');
    cpSync(examples, dir, { recursive: true });
    writeFileSync(
      join(dir, 'bad.yaml'),
      'version: 1\nrules:\n  - id: b\n    effect: allow\n    actions: [read]\n    condition: "1 +"\n',
    );
    await expect(run('test', dir)).rejects.toThrow(/bad\.yaml:6:16: rule "b": condition does not compile/);
  });
});

describe('gatehouse policy check', () => {
  it('prints the decision and explanation', async () => {
    const { out, code } = await run(
      'check',
      examples,
      '--subject',
      'user:alice',
      '--resource',
      'notes:n-1',
      '--action',
      'delete',
      '--resource-properties',
      '{"ownerID":"alice"}',
    );
    expect(code).toBe(0);
    expect(out).toContain('decision: allow (allowed)');
    expect(out).toContain('allow authors-edit-own-notes  matched');
  });

  it('--json prints the Decision; errors fail closed and deny exits 1', async () => {
    const { out, code } = await run(
      'check',
      examples,
      '--subject',
      'user:alice',
      '--resource',
      'notes:n-1',
      '--action',
      'delete',
      '--context',
      '{}',
      '--json',
    );
    expect(JSON.parse(out)).toMatchObject({
      decision: false,
      reason: 'error',
      trace: [
        { rule: 'archived-notes-read-only', matched: false },
        { rule: 'authors-edit-own-notes', error: expect.any(String) },
      ],
    });
    expect(code).toBe(1);
  });

  it('rejects a malformed subject or context', async () => {
    await expect(
      run('check', examples, '--subject', 'alice', '--resource', 'notes:1', '--action', 'read'),
    ).rejects.toThrow(/type:id/);
    await expect(
      run(
        'check',
        examples,
        '--subject',
        'user:a',
        '--resource',
        'notes:1',
        '--action',
        'read',
        '--context',
        '[1]',
      ),
    ).rejects.toThrow(/JSON object/);
  });
});

describe('gatehouse policy check on untrusted CEL', () => {
  it('issue 25 #5: a type error or an over-limit condition is reported as at PUT, with file:line:column and rule', async () => {
    const dir = mkdtempSync(join(scratch, 'cel-'));
    const doc = (condition: string) => `version: 1
resources:
  notes:
    actions: [read]
    attributes:
      ownerID: string
rules:
  - id: r
    effect: allow
    resource: notes
    actions: [read]
    condition: ${JSON.stringify(condition)}
`;
    const check = () => run('check', dir, '--subject', 'user:a', '--resource', 'notes:1', '--action', 'read');
    writeFileSync(join(dir, 'p.yaml'), doc('resource.properties.ownerID + 1 == 2'));
    await expect(check()).rejects.toThrow(
      /p\.yaml:12:16: rule "r": condition: type error: no matching overload for '_\+_' applied to \(string, int\)/,
    );
    writeFileSync(join(dir, 'p.yaml'), doc('context.l.exists(x, context.l.exists(y, x == y))'));
    await expect(check()).rejects.toThrow(
      /p\.yaml:12:16: rule "r": condition: estimated worst-case cost \d+ exceeds/,
    );
    writeFileSync(join(dir, 'p.yaml'), doc('context.l.exists(x, x == resource.properties.ownerID)'));
    const { out } = await run(
      'check',
      dir,
      '--subject',
      'user:a',
      '--resource',
      'notes:1',
      '--action',
      'read',
      '--resource-properties',
      '{"ownerID":"b"}',
      '--context',
      '{"l":["a","b"]}',
    );
    expect(out).toMatch(/^cost: \d+ units$/m);
  });
});
