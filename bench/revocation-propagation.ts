/**
 * Revocation propagation (the hybrid model's promise): two Gatehouse nodes on PostgreSQL + Redis
 * and a notes-api guarded by `@gatehouse/guard`. Each trial logs in (token mode) on node A, waits
 * until the notes-api accepts the access token, logs out on node B, and measures the time until the
 * notes-api refuses the still-unexpired token. Goal: p99 ≤ 1 s (stretch ≤ 100 ms).
 *
 *   node --import tsx bench/revocation-propagation.ts      (BENCH_TRIALS=100)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  budget,
  fmt,
  freePort,
  header,
  percentile,
  REDIS_URL,
  redisAvailable,
  table,
  waitUp,
} from './support.ts';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 100);
const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ADMIN = { email: 'admin@bench.test', password: 'tangerine orbit quietly 4417' };
const ISSUER = 'http://gatehouse.bench';
const bin = fileURLToPath(new URL('../packages/server/src/bin.ts', import.meta.url));
const notesMain = fileURLToPath(new URL('../examples/notes-api/src/main.ts', import.meta.url));

budget(10);
header('Revocation propagation: logout on node B → refusal at the notes-api');
if (!(await redisAvailable())) {
  console.log(`Redis at ${REDIS_URL} is unreachable: this benchmark needs PostgreSQL and Redis.`);
  process.exit(0);
}

const database = `gh_bench_rev_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: PG_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const children: ChildProcess[] = [];
try {
  const databaseUrl = new URL(PG_URL);
  databaseUrl.pathname = `/${database}`;
  const secret = randomBytes(32).toString('hex');
  const env = {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL,
    GATEHOUSE_REDIS_PREFIX: `${database}:`,
    GATEHOUSE_SECRET: randomBytes(32).toString('base64url'),
    GATEHOUSE_ISSUER: ISSUER,
    GATEHOUSE_INTROSPECTION_SECRET: secret,
    GATEHOUSE_ADMIN_EMAIL: ADMIN.email,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
    GATEHOUSE_LOGIN_LIMIT_ACCOUNT_IP: '100000',
    GATEHOUSE_LOGIN_LIMIT_ACCOUNT: '100000',
    GATEHOUSE_LOGIN_LIMIT_IP: '100000',
    LOG_LEVEL: 'warn',
  };
  const nodes: string[] = [];
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    children.push(
      spawn(process.execPath, ['--import', 'tsx', bin, 'start'], {
        env: { ...env, PORT: String(port), GATEHOUSE_DATA_DIR: `/tmp/${database}-${i}` },
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
    nodes.push(`http://127.0.0.1:${port}`);
    await waitUp(`${nodes[i]}/readyz`);
  }
  const notesPort = await freePort();
  const notes = `http://127.0.0.1:${notesPort}`;
  children.push(
    spawn(process.execPath, ['--import', 'tsx', notesMain], {
      env: {
        ...process.env,
        PORT: String(notesPort),
        GATEHOUSE_URL: nodes[0],
        GATEHOUSE_ISSUER: ISSUER,
        GATEHOUSE_TOKEN_AUDIENCE: ISSUER,
        GATEHOUSE_INTROSPECTION_SECRET: secret,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  await waitUp(`${notes}/healthz`);
  const [a, b] = nodes as [string, string];
  const status = async (token: string) =>
    (await fetch(`${notes}/notes`, { headers: { authorization: `Bearer ${token}` } })).status;

  const times: number[] = [];
  let failures = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    const login = await fetch(`${a}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...ADMIN, mode: 'token' }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    for (let i = 0; i < 100 && (await status(token)) !== 200; i++)
      await new Promise((r) => setTimeout(r, 20));
    const started = performance.now();
    await fetch(`${b}/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    let elapsed = Number.NaN;
    while (performance.now() - started < 5000) {
      if ((await status(token)) === 401) {
        elapsed = performance.now() - started;
        break;
      }
    }
    if (Number.isNaN(elapsed)) failures++;
    else times.push(elapsed);
  }
  times.sort((x, y) => x - y);
  console.log(
    `${TRIALS} trials; logout on node B, notes-api fed by node A; polling the notes-api back to back.`,
  );
  console.log('Times include the logout request itself (node B answers after appending the revocation).');
  table(
    ['measure', 'p50 ms', 'p99 ms', 'max ms', 'not refused within 5 s', 'goal'],
    [
      [
        'logout on B → 401 at notes-api',
        fmt.ms(percentile(times, 50)),
        fmt.ms(percentile(times, 99)),
        fmt.ms(times[times.length - 1] ?? Number.NaN),
        failures,
        percentile(times, 99) <= 1000 && failures === 0 ? 'p99 ≤ 1 s met' : 'p99 ≤ 1 s MISSED',
      ],
    ],
  );
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
}
