/**
 * Authenticated `GET /account` throughput: Gatehouse (SQLite sessions; Redis sessions; each with the
 * in-process session cache on and off) against bare Fastify returning the same JSON, and bare
 * Fastify with an in-memory Map session lookup. Goals: ≥ 0.7× bare Fastify on SQLite, ≥ 0.5× on
 * Redis. Each server runs in its own child process; autocannon runs here.
 *
 *   node --conditions=@gatehouse/source --import tsx bench/account.ts        (BENCH_DURATION=2 BENCH_WARMUP=1 for a smoke run)
 */
import { randomBytes } from 'node:crypto';
import {
  ADMIN_EMAIL,
  ADMIN_OVERRIDES,
  ADMIN_PASSWORD,
  budget,
  DURATION_S,
  dropPrefix,
  fmt,
  header,
  type LoadResult,
  load1,
  loginCookie,
  REDIS_URL,
  redisAvailable,
  SESSION_COOKIE,
  startChild,
  statusSummary,
  table,
  uniquePrefix,
  warmThenRun,
} from './support.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

interface Row {
  label: string;
  result: LoadResult;
}

budget(10);
header('GET /account (authenticated) — Gatehouse vs bare Fastify');
console.log(`autocannon: ${CONNECTIONS} connections · Gatehouse log level: warn (request lines are info)`);

const rows: Row[] = [];
let body: Record<string, unknown> | undefined;
const haveRedis = await redisAvailable();
if (!haveRedis) console.log(`(Redis at ${REDIS_URL} is unreachable: the Redis variants are skipped)`);

const gatehouseVariants: { label: string; overrides: Record<string, unknown>; redis: boolean }[] = [
  { label: 'Gatehouse · SQLite sessions · cache 1 s (default)', overrides: {}, redis: false },
  { label: 'Gatehouse · SQLite sessions · cache off', overrides: { sessionCacheTtlMs: 0 }, redis: false },
  { label: 'Gatehouse · Redis sessions · cache 1 s (default)', overrides: {}, redis: true },
  { label: 'Gatehouse · Redis sessions · cache off', overrides: { sessionCacheTtlMs: 0 }, redis: true },
];

async function measure(label: string, url: string, cookie: string | undefined): Promise<void> {
  const result = await warmThenRun({
    url: `${url}/account`,
    connections: CONNECTIONS,
    durationS: DURATION_S,
    headers: { accept: 'application/json', ...(cookie === undefined ? {} : { cookie }) },
  });
  const ok = result.statuses['200'] ?? 0;
  if (ok !== result.total || result.errors > 0) {
    console.log(`  ! ${label}: ${statusSummary(result.statuses)}, ${result.errors} errors`);
  }
  console.log(`  ${label}: ${fmt.rps(result.rps)} req/s (load avg ${load1()})`);
  rows.push({ label, result });
}

async function bareStatic(label: string): Promise<void> {
  const child = await startChild('./server-fastify.ts', { mode: 'static', body });
  try {
    await measure(label, child.url, undefined);
  } finally {
    await child.stop();
  }
}

// The exact JSON Gatehouse returns, for the peers to return too.
{
  const child = await startChild('./server-gatehouse.ts', { overrides: ADMIN_OVERRIDES });
  try {
    const cookie = await loginCookie(child.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    const response = await fetch(`${child.url}/account`, { headers: { cookie, accept: 'application/json' } });
    body = (await response.json()) as Record<string, unknown>;
  } finally {
    await child.stop();
  }
}

// Bare Fastify runs first and last: the spread between the two shows drift from background load.
await bareStatic('bare Fastify · same JSON, no session (first)');

for (const variant of gatehouseVariants) {
  if (variant.redis && !haveRedis) continue;
  const prefix = variant.redis ? uniquePrefix('account') : undefined;
  const child = await startChild('./server-gatehouse.ts', {
    overrides: {
      ...ADMIN_OVERRIDES,
      ...variant.overrides,
      ...(prefix === undefined ? {} : { redisUrl: REDIS_URL, sessionStore: 'redis', redisPrefix: prefix }),
    },
  });
  try {
    await measure(variant.label, child.url, await loginCookie(child.url, ADMIN_EMAIL, ADMIN_PASSWORD));
  } finally {
    await child.stop();
    if (prefix !== undefined) await dropPrefix(prefix);
  }
}

{
  const token = randomBytes(32).toString('base64url');
  const child = await startChild('./server-fastify.ts', { mode: 'map', body, tokens: [token] });
  try {
    await measure('bare Fastify · cookie + Map session lookup', child.url, `${SESSION_COOKIE}=${token}`);
  } finally {
    await child.stop();
  }
}

await bareStatic('bare Fastify · same JSON, no session (last)');

const bareRuns = rows.filter((r) => r.label.startsWith('bare Fastify · same JSON')).map((r) => r.result.rps);
const bare = bareRuns.reduce((a, b) => a + b, 0) / bareRuns.length;
const mapped = rows.find((r) => r.label.startsWith('bare Fastify · cookie'))!.result.rps;
const goal = (label: string) => (label.includes('SQLite') ? 0.7 : label.includes('Redis') ? 0.5 : undefined);

console.log(`\nResults (${DURATION_S} s each, ${CONNECTIONS} connections, latency over all responses):`);
console.log(
  `"vs bare" divides by the mean of the two bare-Fastify runs (${bareRuns.map(fmt.rps).join(' and ')} req/s).`,
);
table(
  ['server', 'req/s', 'p50 ms', 'p99 ms', 'vs bare', 'vs Map', 'goal'],
  rows.map(({ label, result }) => {
    const g = goal(label);
    const ratio = result.rps / bare;
    return [
      label,
      fmt.rps(result.rps),
      fmt.ms(result.p50),
      fmt.ms(result.p99),
      fmt.ratio(ratio),
      fmt.ratio(result.rps / mapped),
      g === undefined ? '' : `≥ ${g}× ${ratio >= g ? 'met' : 'MISSED'}`,
    ];
  }),
);
console.log(
  'The goals apply to the default configuration (cache on); the cache-off rows are shown for honesty.',
);
