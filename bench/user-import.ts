/**
 * `gatehouse users import` throughput: 100 000 users (BENCH_IMPORT_ROWS) from a generated JSON
 * Lines file, through the same path as the CLI (`importFile` → the `importUsers` command →
 * `UserImportStore.insertBatch`, 500 rows a transaction), on SQLite and on PostgreSQL when it is
 * reachable. The hashes are bcrypt, Django PBKDF2 and Keycloak PBKDF2 computed once and reused:
 * an import verifies nothing, so hashing is not what is measured. Every row carries a profile
 * claim, a third a role. Prints rows/s.
 *
 *   node --conditions=@gatehouse/source --import tsx bench/user-import.ts
 */
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSync } from '@node-rs/bcrypt';
import pg from 'pg';
import { createCommands } from '../packages/server/src/commands/index.ts';
import { loadConfig } from '../packages/server/src/config.ts';
import { createGatehouse } from '../packages/server/src/gatehouse.ts';
import { importFile } from '../packages/server/src/import/import-file.ts';
import { createLogger } from '../packages/server/src/logger.ts';
import { budget, fmt, load1, machine, table } from './support.ts';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const BATCH = Number(process.env.BENCH_IMPORT_BATCH ?? 500);
const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

budget(15);

/** A handful of real hashes, made once. */
function sampleHashes(): unknown[] {
  const salt = randomBytes(16);
  return [
    hashSync('correct horse battery staple', 10),
    `pbkdf2_sha256$600000$${randomBytes(9).toString('base64url')}$${pbkdf2Sync('pw', 's', 1000, 32, 'sha256').toString('base64')}`,
    {
      algorithm: 'pbkdf2-sha256',
      hashIterations: 27500,
      salt: salt.toString('base64'),
      value: pbkdf2Sync('correct horse', salt, 27500, 64, 'sha256').toString('base64'),
    },
  ];
}

function generate(path: string): void {
  const hashes = sampleHashes();
  const lines: string[] = [];
  for (let i = 0; i < ROWS; i++)
    lines.push(
      JSON.stringify({
        email: `user${i}@import.bench`,
        password_hash: hashes[i % hashes.length],
        email_verified: i % 2 === 0,
        name: `User ${i}`,
        ...(i % 3 === 0 ? { roles: ['reader'] } : {}),
      }),
    );
  writeFileSync(path, `${lines.join('\n')}\n`);
}

async function measure(label: string, file: string, databaseUrl: string, schema?: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-import-'));
  const config = loadConfig(
    {},
    { dataDir, nodeEnv: 'test', databaseUrl, secret: randomBytes(32).toString('hex'), logLevel: 'silent' },
  );
  const gatehouse = await createGatehouse(
    config,
    createLogger('silent'),
    schema === undefined ? {} : { databaseSchema: schema },
  );
  try {
    await gatehouse.accounts.upsertRole({ name: 'reader', permissions: ['notes:read'] });
    const started = performance.now();
    const result = await importFile(
      {
        file,
        format: 'jsonl',
        rejectsPath: join(dataDir, 'rejects.jsonl'),
        checkpointPath: join(dataDir, 'checkpoint.json'),
        restart: true,
        batchSize: BATCH,
        meta: { ip: 'bench', requestId: 'bench' },
      },
      createCommands(gatehouse).importUsers,
    );
    const seconds = (performance.now() - started) / 1000;
    if (result.imported !== ROWS) throw new Error(`${label}: imported ${result.imported} of ${ROWS}`);
    return [label, fmt.rps(ROWS), seconds.toFixed(1), fmt.rps(ROWS / seconds), load1()];
  } finally {
    await gatehouse.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const m = machine();
console.log(`\n=== User import: ${ROWS.toLocaleString('en-US')} users, ${BATCH} rows a transaction ===`);
console.log(`${m.date} · ${m.cpus} CPUs · ${m.cpuModel} · node ${m.node} · load avg ${load1()}`);
const work = mkdtempSync(join(tmpdir(), 'gatehouse-bench-import-file-'));
const file = join(work, 'users.jsonl');
generate(file);
console.log(
  `file: ${fmt.mib(statSync(file).size)} MiB of JSON Lines (bcrypt, Django and Keycloak PBKDF2 hashes)`,
);
const rows = [await measure('SQLite', file, `sqlite:${join(work, 'bench.db')}`)];
if (await postgresReachable()) {
  const schema = `bench_import_${randomBytes(4).toString('hex')}`;
  try {
    rows.push(await measure('PostgreSQL', file, POSTGRES_URL, schema));
  } finally {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  }
} else console.log(`PostgreSQL at ${POSTGRES_URL} unreachable: its row is skipped`);
table(['store', 'rows', 'seconds', 'rows/s', 'load avg'], rows);
rmSync(work, { recursive: true, force: true });
