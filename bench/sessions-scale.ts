/**
 * Many live sessions: 1 000 and then 100 000 active sessions are created straight through
 * SessionManager.start inside the server process (bench/server-gatehouse.ts `seed`; no password is
 * hashed per session), spread over 1 000 password-less users. At each size: the server's RSS (from
 * /proc, after a GC) and `GET /account` latency p50/p99 at a fixed rate, each request with a random
 * one of the sessions — so the 1 s session cache is cold for nearly all of them. SQLite and Redis.
 *
 *   node --conditions=@gatehouse/source --import tsx bench/sessions-scale.ts   (BENCH_SESSIONS=1000,10000 BENCH_DURATION=2 to smoke)
 */
import {
  ADMIN_OVERRIDES,
  budget,
  DURATION_S,
  dropPrefix,
  fmt,
  header,
  load1,
  REDIS_URL,
  redisAvailable,
  redisUsedMemory,
  rssOf,
  SESSION_COOKIE,
  startChild,
  statusSummary,
  table,
  uniquePrefix,
  warmThenRun,
} from './support.ts';

const SIZES = (process.env.BENCH_SESSIONS ?? '1000,100000').split(',').map(Number);
const USERS = 1000;
const RATE = Number(process.env.BENCH_RATE ?? 200);
// Few connections: the latency is the service time, not a queue behind a saturating client.
const CONNECTIONS = 2;

interface Row {
  store: string;
  sessions: number;
  seedSeconds: number;
  rssBefore: number;
  rssSeeded: number;
  rssAfterLoad: number;
  heapSeeded: number;
  redisBytes?: number;
  p50: number;
  p99: number;
  max: number;
  statuses: string;
}

budget(20);
header('Many live sessions: server memory and GET /account latency (random sessions)');
console.log(
  `${USERS} users · GET /account at ${RATE} req/s over ${CONNECTIONS} connections, random session per request · log level warn`,
);

const rows: Row[] = [];

// Reference: the same harness around an idle bare Fastify (Node + the tsx loader, no Gatehouse).
let referenceRss: number;
{
  const child = await startChild('./server-fastify.ts', { mode: 'static', body: {} });
  try {
    await child.call('memory');
    referenceRss = rssOf(child.pid);
  } finally {
    await child.stop();
  }
}

const haveRedis = await redisAvailable();
if (!haveRedis) console.log(`(Redis at ${REDIS_URL} is unreachable: the Redis store is skipped)`);

interface Memory {
  rss: number;
  heapUsed: number;
}

for (const store of ['sql', 'redis'] as const) {
  if (store === 'redis' && !haveRedis) continue;
  const prefix = store === 'redis' ? uniquePrefix('scale') : undefined;
  const redisBaseline = store === 'redis' ? await redisUsedMemory() : 0;
  const child = await startChild('./server-gatehouse.ts', {
    overrides: {
      ...ADMIN_OVERRIDES,
      ...(prefix === undefined ? {} : { redisUrl: REDIS_URL, sessionStore: 'redis', redisPrefix: prefix }),
    },
  });
  try {
    await child.call<Memory>('memory');
    const rssBefore = rssOf(child.pid);
    const tokens: string[] = [];
    for (const size of SIZES) {
      const started = performance.now();
      const fresh = await child.call<string[]>('seed', { count: size - tokens.length, users: USERS });
      tokens.push(...fresh);
      const seedSeconds = (performance.now() - started) / 1000;
      const seededMemory = await child.call<Memory>('memory');
      const rssSeeded = rssOf(child.pid);
      const redisBytes = store === 'redis' ? (await redisUsedMemory()) - redisBaseline : undefined;
      const pick = () => ({
        cookie: `${SESSION_COOKIE}=${tokens[Math.floor(Math.random() * tokens.length)]}`,
      });
      const result = await warmThenRun({
        url: `${child.url}/account`,
        headers: { accept: 'application/json' },
        perRequestHeaders: pick,
        connections: CONNECTIONS,
        overallRate: RATE,
        durationS: DURATION_S,
      });
      await child.call<Memory>('memory');
      const rssAfterLoad = rssOf(child.pid);
      const label = store === 'sql' ? 'SQLite' : 'Redis';
      console.log(
        `  ${label} · ${size.toLocaleString('en-US')} sessions: seeded in ${seedSeconds.toFixed(1)} s, ` +
          `p99 ${fmt.ms(result.p99)} ms (load avg ${load1()})`,
      );
      rows.push({
        store: label,
        sessions: size,
        seedSeconds,
        rssBefore,
        rssSeeded,
        rssAfterLoad,
        heapSeeded: seededMemory.heapUsed,
        ...(redisBytes === undefined ? {} : { redisBytes }),
        p50: result.p50,
        p99: result.p99,
        max: result.max,
        statuses: statusSummary(result.statuses),
      });
    }
  } finally {
    await child.stop();
    if (prefix !== undefined) await dropPrefix(prefix);
  }
}

console.log(`\nResults (GET /account at ${RATE} req/s for ${DURATION_S} s; memory in MiB; latency in ms):`);
table(
  [
    'store',
    'sessions',
    'seed s',
    'RSS empty',
    'RSS after seeding',
    'RSS after load (steady)',
    'heap seeded',
    'Redis used',
    'p50',
    'p99',
    'max',
    'statuses',
  ],
  rows.map((r) => [
    r.store,
    r.sessions.toLocaleString('en-US'),
    r.seedSeconds.toFixed(1),
    fmt.mib(r.rssBefore),
    fmt.mib(r.rssSeeded),
    fmt.mib(r.rssAfterLoad),
    fmt.mib(r.heapSeeded),
    r.redisBytes === undefined ? '—' : fmt.mib(r.redisBytes),
    fmt.ms(r.p50),
    fmt.ms(r.p99),
    fmt.ms(r.max),
    r.statuses,
  ]),
);
console.log(
  `RSS is the server process only (SQLite pages it caches count; Redis memory is listed apart). ` +
    `For scale: an idle bare Fastify in the same harness (node + tsx loader) has an RSS of ${fmt.mib(referenceRss)} MiB.`,
);
