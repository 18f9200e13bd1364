import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openDatabase } from '@gatehouse/store-sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `gatehouse users import` as an operator runs it: the built CLI on plain node, on the embedded
 * SQLite database of a temporary data directory.
 */
const run = promisify(execFile);
const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const bin = join(root, 'packages/server/bin/gatehouse.js');
let dir: string;

beforeAll(async () => {
  await run(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root });
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-import-'));
}, 180_000);
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const env = () => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  GATEHOUSE_DATA_DIR: dir,
  NODE_ENV: 'test',
});

async function gatehouse(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: env() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function usersByEmail(
  pattern: string,
): Promise<{ email: string; password_hash: string | null; email_verified: number }[]> {
  const database = await openDatabase({ url: `sqlite:${join(dir, 'gatehouse.db')}` });
  try {
    return await database.db
      .selectFrom('users')
      .leftJoin('credentials', 'credentials.user_id', 'users.id')
      .select(['users.email', 'credentials.password_hash', 'users.email_verified'])
      .where('users.email', 'like', pattern)
      .orderBy('users.email')
      .execute();
  } finally {
    await database.close();
  }
}

const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const BCRYPT = '$2b$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK';
const SIGNER_KEY = 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==';

describe('gatehouse users import', () => {
  it('a file that cannot be read is a usage error (exit 2) that names it', async () => {
    const missing = join(dir, 'no-such-export.jsonl');
    const result = await gatehouse('users', 'import', missing);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot read ${missing} (ENOENT)`);
  });

  it('imports a JSON Lines file, writes the rejects file, and a re-run of the same file imports nothing twice', async () => {
    const file = join(dir, 'auth0.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({
          email: 'jl-ada@example.test',
          password_hash: BCRYPT,
          name: 'Ada',
          email_verified: true,
        }),
        JSON.stringify({
          email: 'jl-bob@example.test',
          password_hash: 'pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=',
        }),
        '{"email": "jl-broken@example.test"',
        JSON.stringify({ email: 'JL-ADA@example.test' }),
        JSON.stringify({ email: 'jl-md5@example.test', password_hash: '$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0' }),
        '',
      ].join('\n'),
    );
    const first = await gatehouse('users', 'import', file, '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      imported: 2,
      rejected: 3,
      resumed_after_line: 0,
      already_done: false,
    });
    expect(lines(`${file}.rejects.jsonl`)).toEqual([
      { line: 3, reason: 'invalid_row', detail: 'The line is not valid JSON.' },
      {
        line: 4,
        reason: 'duplicate_email',
        detail: 'The same address, or a look-alike of it, is on line 1.',
        email: 'jl-ada@example.test',
      },
      expect.objectContaining({ line: 5, reason: 'unknown_hash_format', email: 'jl-md5@example.test' }),
    ]);
    const stored = await usersByEmail('jl-%');
    expect(stored.map((u) => u.email)).toEqual(['jl-ada@example.test', 'jl-bob@example.test']);
    expect(stored[0]?.password_hash).toBe(BCRYPT);
    expect(stored.map((u) => Number(u.email_verified))).toEqual([1, 0]);
    expect(stored[1]?.password_hash).toMatch(/^\$pbkdf2-sha256\$i=260000\$c2Vhc2FsdA\$/);

    const again = await gatehouse('users', 'import', file, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ already_done: true, imported: 2, rejected: 3 });
    expect(await usersByEmail('jl-%')).toHaveLength(2);

    writeFileSync(file, `${readFileSync(file, 'utf8')}${JSON.stringify({ email: 'jl-new@example.test' })}\n`);
    const changed = await gatehouse('users', 'import', file);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/belongs to another version of .*--restart/);
    const restarted = await gatehouse('users', 'import', file, '--restart', '--json');
    expect(JSON.parse(restarted.stdout)).toMatchObject({ imported: 1, rejected: 5 });
    expect(
      lines(`${file}.rejects.jsonl`)
        .filter((r) => r.reason === 'email_taken')
        .map((r) => r.line),
    ).toEqual([1, 2]);
  }, 60_000);

  it('imports a CSV file: Firebase hashes with the project parameters as options, Keycloak columns, roles and address', async () => {
    const file = join(dir, 'export.csv');
    const keycloakKey = Buffer.from(
      '4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d',
      'hex',
    ).toString('base64');
    writeFileSync(
      file,
      [
        'email,password_algorithm,password_hash,password_salt,password_iterations,name,roles,disabled,address_country',
        'csv-fire@example.test,firebase-scrypt,lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==,42xEC+ixf3L2lw==,,"Fire, Base",,false,US',
        `csv-kc@example.test,pbkdf2-sha256,${keycloakKey},TmFDbA==,80000,Key Cloak,,true,`,
        'csv-bad@example.test,,,,,,,maybe,',
        'csv-role@example.test,,,,,,wizard,,',
      ].join('\r\n'),
    );
    const result = await gatehouse(
      'users',
      'import',
      file,
      '--json',
      '--firebase-signer-key',
      SIGNER_KEY,
      '--firebase-salt-separator',
      'Bw==',
      '--firebase-rounds',
      '8',
      '--firebase-mem-cost',
      '14',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ imported: 2, rejected: 2 });
    expect(lines(`${file}.rejects.jsonl`)).toEqual([
      {
        line: 4,
        reason: 'invalid_row',
        detail: 'disabled must be true or false.',
        email: 'csv-bad@example.test',
      },
      { line: 5, reason: 'unknown_role', detail: 'Unknown role: wizard', email: 'csv-role@example.test' },
    ]);
    const stored = await usersByEmail('csv-%');
    expect(stored.map((u) => u.email)).toEqual(['csv-fire@example.test', 'csv-kc@example.test']);
    expect(stored[0]?.password_hash).toMatch(/^\$firebase-scrypt\$m=14,r=8,ss=Bw,sk=jxspr8Ki/);
    expect(stored[1]?.password_hash).toMatch(/^\$pbkdf2-sha256\$i=80000\$TmFDbA\$/);
    const database = await openDatabase({ url: `sqlite:${join(dir, 'gatehouse.db')}` });
    const claims = await database.db
      .selectFrom('user_profiles')
      .innerJoin('users', 'users.id', 'user_profiles.user_id')
      .select('claims')
      .where('users.email', '=', 'csv-fire@example.test')
      .executeTakeFirst()
      .finally(() => database.close());
    expect(JSON.parse(claims?.claims ?? '{}')).toEqual({ name: 'Fire, Base', address: { country: 'US' } });
    const listed = JSON.parse((await gatehouse('users', 'list', '--json', '--limit', '500')).stdout) as {
      email: string;
      disabled: boolean;
    }[];
    expect(listed.find((u) => u.email === 'csv-kc@example.test')?.disabled).toBe(true);

    const misspelt = join(dir, 'misspelt.csv');
    writeFileSync(misspelt, 'email,pasword_hash\ncsv-x@example.test,abc\n');
    const refused = await gatehouse('users', 'import', misspelt);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('unknown CSV columns: pasword_hash');
    expect(await usersByEmail('csv-x%')).toEqual([]);
  }, 60_000);

  it('resumes after the process is killed: every row ends imported exactly once', async () => {
    const rows = 2000;
    const file = join(dir, 'big.jsonl');
    writeFileSync(
      file,
      Array.from(
        { length: rows },
        (_, i) =>
          `${JSON.stringify({ email: `big-${String(i).padStart(5, '0')}@example.test`, password_hash: BCRYPT })}\n`,
      ).join(''),
    );
    const checkpointPath = `${file}.checkpoint.json`;
    const child = spawn(process.execPath, [bin, 'users', 'import', file, '--batch-size', '1'], {
      env: env(),
      stdio: 'ignore',
    });
    const exited = new Promise((done) => child.on('exit', done));
    // Kill it once a few batches are committed (each batch: one transaction, one checkpoint).
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (existsSync(checkpointPath)) {
        const line = (JSON.parse(readFileSync(checkpointPath, 'utf8')) as { line: number }).line;
        if (line >= 20) break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    await exited;
    const interrupted = JSON.parse(readFileSync(checkpointPath, 'utf8')) as { line: number; done: boolean };
    expect(interrupted.done).toBe(false);
    expect(interrupted.line).toBeLessThan(rows);

    const resumed = await gatehouse('users', 'import', file, '--json', '--batch-size', '500');
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout) as {
      imported: number;
      rejected: number;
      resumed_after_line: number;
    };
    expect(summary.resumed_after_line).toBeGreaterThanOrEqual(interrupted.line);
    const stored = await usersByEmail('big-%');
    expect(stored).toHaveLength(rows);
    expect(new Set(stored.map((u) => u.email)).size).toBe(rows);
    // Even a batch committed in the instant between its transaction and its checkpoint is
    // recognised by the ids the checkpoint named before it: nothing is reported taken.
    expect(readFileSync(`${file}.rejects.jsonl`, 'utf8')).toBe('');
    expect(summary).toMatchObject({ imported: rows, rejected: 0 });
    expect(summary.imported + summary.rejected).toBe(rows);
  }, 120_000);
});
