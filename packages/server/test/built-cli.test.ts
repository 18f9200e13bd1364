import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What `npm start` and `npx gatehouse` run is the built JavaScript (scripts/build.mjs → the
 * server's dist/cli), on plain node: no TypeScript compiler at start, and `--help` loads no more
 * than the command tree (issue 15 #14). The other CLI tests run the sources under tsx.
 */
const run = promisify(execFile);
const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const bin = join(root, 'packages/server/bin/gatehouse.js');
let dataDir: string;

beforeAll(async () => {
  await run(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root });
  dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-built-cli-'));
}, 120_000);
afterAll(() => {
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

const env = () => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  GATEHOUSE_DATA_DIR: dataDir,
  NODE_ENV: 'test',
});

describe('the built CLI', () => {
  it('issue 15 #14: --help and --version run on plain node, without loading the OAuth engine', async () => {
    const help = await run(process.execPath, [bin, '--help'], { env: env() });
    expect(help.stdout).toMatch(/^Usage: gatehouse/);
    expect(help.stderr).not.toMatch(/Unsupported runtime/);
    const version = await run(process.execPath, [bin, '--version'], { env: env() });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  }, 60_000);

  it('runs a command against the embedded database', async () => {
    const listed = await run(process.execPath, [bin, 'users', 'list'], { env: env() });
    expect(listed.stdout).toContain('(no users)');
    expect(listed.stderr).not.toMatch(/Unsupported runtime/);
  }, 60_000);
});
