/**
 * API keys at the server.
 *
 *   A. Verification with the node's cache off (every key read from the database: parse, checksum,
 *      HMAC, lookup, owner), in process, 1 000 keys picked at random: p50/p99 on SQLite and on
 *      PostgreSQL, beside better-auth's API-key plugin (`auth.api.verifyApiKey`) on SQLite, with
 *      the rows each writes per verification (SQLite: `total_changes()`, counted by triggers for Gatehouse).
 *   B. Over HTTP, both on the same SQLite file: Gatehouse's key introspection (verify + owner's
 *      permissions, node cache on) beside better-auth answering `GET /get-session` for a key in
 *      `x-api-key` (its key row's use counter shows its writes per request).
 *
 *   node --conditions=@gatehouse/source --import tsx bench/api-keys-server.ts        (BENCH_DURATION=10; needs PostgreSQL for A)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { loadConfig } from '../packages/server/src/config.ts';
import { createGatehouse } from '../packages/server/src/gatehouse.ts';
import { createLogger } from '../packages/server/src/logger.ts';
import { openDatabase } from '../packages/store-sql/src/index.ts';
import { openBetterAuth } from './better-auth-setup.ts';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  budget,
  DURATION_S,
  fmt,
  freePort,
  header,
  loginCookie,
  percentile,
  runLoad,
  startGatehouseProcess,
  statusSummary,
  table,
  WARMUP_S,
} from './support.ts';

budget(10);
header('API-key verification at the server, and beside better-auth’s API-key plugin');
const POSTGRES_URL = process.env.GATEHOUSE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const KEYS = 1000;
const VERIFICATIONS = 5000;
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-keys-'));
  dirs.push(dir);
  return dir;
};

interface Figures {
  p50: number;
  p99: number;
  perSecond: number;
  /** Rows written while verifying (SQLite only). */
  writesPerVerification: number | undefined;
  /** Rows written afterwards, in one batch (Gatehouse's last-use times). */
  batchedPerVerification: number | undefined;
}

async function timed(keys: readonly string[], verify: (key: string) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < VERIFICATIONS; i++) {
    const key = keys[Math.floor(Math.random() * keys.length)]!;
    const started = performance.now();
    await verify(key);
    latencies.push(performance.now() - started);
  }
  return latencies.sort((a, b) => a - b);
}

function figures(latencies: number[], writes: number | undefined, batched?: number): Figures {
  const total = latencies.reduce((sum, value) => sum + value, 0);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    perSecond: (latencies.length / total) * 1000,
    writesPerVerification: writes === undefined ? undefined : writes / latencies.length,
    batchedPerVerification: batched === undefined ? undefined : batched / latencies.length,
  };
}

async function gatehouseCold(databaseUrl: string, schema?: string): Promise<Figures> {
  const config = loadConfig(
    {},
    {
      dataDir: tempDir(),
      nodeEnv: 'test',
      databaseUrl,
      apiKeyCacheTtlMs: 0,
      secret: randomBytes(32).toString('hex'),
      logLevel: 'silent',
    },
  );
  const gatehouse = await createGatehouse(
    config,
    createLogger('silent'),
    schema === undefined ? {} : { databaseSchema: schema },
  );
  try {
    // Ten owners of a hundred keys each (the per-owner limit).
    const keys: string[] = [];
    for (let o = 0; o < KEYS / 100; o++) {
      const owner = await gatehouse.serviceAccounts.create(
        { name: `bench-${o}`, rateLimit: null },
        undefined,
      );
      for (let i = 0; i < 100; i++) {
        const created = await gatehouse.apiKeys.create(
          owner.id,
          { name: `k${i}`, scopes: ['notes:read'] },
          undefined,
        );
        keys.push(created.key);
      }
    }
    const verify = async (key: string) => {
      if (!(await gatehouse.apiKeys.verify(key, '10.0.0.1')).ok) throw new Error('verification failed');
    };
    await timed(keys.slice(0, 100), verify);
    const counter = config.databaseUrl.startsWith('sqlite:')
      ? rowsWritten(config.databaseUrl.slice('sqlite:'.length))
      : undefined;
    const changes = () => counter?.read();
    // Stop the periodic last-use flush, so the loop shows what the request path itself writes.
    await gatehouse.apiKeys.stop();
    const before = changes();
    const latencies = await timed(keys, verify);
    const during = changes();
    await gatehouse.apiKeys.flushUsage();
    const after = changes();
    counter?.close();
    return figures(
      latencies,
      before === undefined || during === undefined ? undefined : during - before,
      during === undefined || after === undefined ? undefined : after - during,
    );
  } finally {
    await gatehouse.close();
    if (schema !== undefined) {
      const database = await openDatabase({ url: databaseUrl, maxConnections: 1 });
      await sql.raw(`drop schema if exists "${schema}" cascade`).execute(database.db);
      await database.close();
    }
  }
}

/**
 * Rows inserted, updated or deleted in the Gatehouse database by any connection, as SQLite's
 * `total_changes()` counts them on one: the server keeps its connection to itself, so a second
 * one installs a counting trigger per table and write kind, and reads the count.
 */
function rowsWritten(path: string): { read(): number; close(): void } {
  const db = new Database(path);
  db.exec(
    'create table if not exists bench_rows_written (n integer not null); delete from bench_rows_written;',
  );
  db.exec('insert into bench_rows_written (n) values (0)');
  const tables = db
    .prepare(
      "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name != 'bench_rows_written'",
    )
    .all() as { name: string }[];
  for (const { name } of tables)
    for (const kind of ['insert', 'update', 'delete'])
      db.exec(
        `create trigger if not exists "bench_${kind}_${name}" after ${kind} on "${name}" begin update bench_rows_written set n = n + 1; end`,
      );
  const count = db.prepare('select n from bench_rows_written');
  return { read: () => Number((count.get() as { n: number }).n), close: () => db.close() };
}

async function betterAuthInProcess(): Promise<Figures> {
  const { auth, database, key } = await openBetterAuth(
    join(tempDir(), 'better-auth.db'),
    'http://127.0.0.1:1',
  );
  const verify = async (candidate: string) => {
    const result = await auth.api.verifyApiKey({ body: { key: candidate } });
    if (!result.valid) throw new Error('verification failed');
  };
  await timed([key], verify);
  const changes = () => Number((database.prepare('select total_changes() as n').get() as { n: number }).n);
  const before = changes();
  const latencies = await timed([key], verify);
  const result = figures(latencies, changes() - before);
  database.close();
  return result;
}

const sqlite = await gatehouseCold(`sqlite:${join(tempDir(), 'gatehouse.db')}`);
let postgres: Figures | undefined;
try {
  postgres = await gatehouseCold(POSTGRES_URL, `bench_keys_${randomBytes(4).toString('hex')}`);
} catch (error) {
  console.warn(
    `(PostgreSQL unavailable, skipped: ${error instanceof Error ? error.message : String(error)})`,
  );
}
const peer = await betterAuthInProcess();

console.log(
  `\nA. one verification at a time, node cache off, ${VERIFICATIONS} verifications over ${KEYS} keys`,
);
const rowA = (label: string, f: Figures | undefined) =>
  f === undefined
    ? [label, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a']
    : [
        label,
        fmt.ms(f.p50),
        fmt.ms(f.p99),
        fmt.rps(f.perSecond),
        f.writesPerVerification === undefined ? 'n/a' : f.writesPerVerification.toFixed(2),
        f.batchedPerVerification === undefined ? '—' : f.batchedPerVerification.toFixed(2),
      ];
table(
  ['verifier', 'p50 ms', 'p99 ms', 'verifications/s', 'rows written per verification', 'later, batched'],
  [
    rowA('Gatehouse, SQLite', sqlite),
    rowA('Gatehouse, PostgreSQL', postgres),
    rowA('better-auth api-key plugin, SQLite (1 key)', peer),
  ],
);

// ---------------------------------------------------------------- B. over HTTP, one SQLite file

const dataDir = tempDir();
const file = join(dataDir, 'gatehouse.db');
const children: ChildProcess[] = [];
try {
  const started = await startGatehouseProcess(dataDir, { GATEHOUSE_API_KEY_RATE_LIMIT: '1000000' });
  children.push(started.child);
  const { url: gatehouse, secret } = started;
  const cookie = await loginCookie(gatehouse, ADMIN_EMAIL, ADMIN_PASSWORD);
  const csrf = (
    (await (await fetch(`${gatehouse}/account`, { headers: { cookie } })).json()) as { csrf_token: string }
  ).csrf_token;
  const post = async (path: string, body: object) =>
    (await (
      await fetch(`${gatehouse}${path}`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as Record<string, string>;
  const account = await post('/admin/v1/service-accounts', { name: 'bench', roles: ['admin'] });
  const ourKey = (await post(`/admin/v1/users/${account.id}/api-keys`, { name: 'k', scopes: ['notes:read'] }))
    .key!;

  const peerPort = await freePort();
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const peerChild = spawn(
    process.execPath,
    [
      '--conditions=@gatehouse/source',
      '--import',
      'tsx',
      fileURLToPath(new URL('./server-better-auth.ts', import.meta.url)),
    ],
    {
      env: { ...process.env, PORT: String(peerPort), SQLITE_FILE: file },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(peerChild);
  const peerKey = await new Promise<string>((resolve, reject) => {
    let out = '';
    peerChild.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) resolve((JSON.parse(line) as { key: string }).key);
    });
    peerChild.once('exit', (code) => reject(new Error(`better-auth server exited (${code})`)));
  });

  // better-auth counts each use in its key row: the counter's growth is its writes.
  const peerDb = new Database(file, { readonly: true });
  const peerUses = () =>
    Number((peerDb.prepare('select sum(requestCount) as n from apikey').get() as { n: number }).n);
  const measured = async (options: Parameters<typeof runLoad>[0], counted?: () => number) => {
    if (WARMUP_S > 0) await runLoad({ ...options, durationS: WARMUP_S });
    const before = counted?.();
    const result = await runLoad(options);
    const after = counted?.();
    return { result, writes: before === undefined || after === undefined ? undefined : after - before };
  };
  const ours = await measured({
    url: `${gatehouse}/api-keys/introspect`,
    method: 'POST',
    connections: 10,
    durationS: DURATION_S,
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ key: ourKey, ip: '10.0.0.1' }),
  });
  const theirs = await measured(
    {
      url: `${peerUrl}/api/auth/get-session`,
      connections: 10,
      durationS: DURATION_S,
      headers: { 'x-api-key': peerKey },
    },
    peerUses,
  );
  peerDb.close();
  console.log(`\nB. over HTTP, 10 connections, ${DURATION_S} s each after warm-up, one SQLite file`);
  const rowB = (label: string, m: typeof ours) => [
    label,
    fmt.rps(m.result.rps),
    fmt.ms(m.result.p50),
    fmt.ms(m.result.p99),
    statusSummary(m.result.statuses),
    m.writes === undefined ? 'see A' : `${(m.writes / Math.max(1, m.result.total)).toFixed(2)} (counted)`,
  ];
  table(
    ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'statuses', 'key-row updates per request'],
    [
      rowB('Gatehouse POST /api-keys/introspect', ours),
      rowB('better-auth GET /get-session (x-api-key)', theirs),
    ],
  );
  console.log(`ratio: ${(ours.result.rps / theirs.result.rps).toFixed(2)}× better-auth`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)),
  );
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
