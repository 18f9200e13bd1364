/**
 * Authenticated `GET /account` throughput: Gatehouse (SQLite sessions; Redis sessions; the
 * in-process session cache on) against bare Fastify with `@fastify/cookie` and a `sha256(token)`
 * lookup in an in-memory Map (the goal's peer), and bare Fastify returning the same JSON with no
 * session at all. Every server is started once, in its own child process; the runs alternate
 * between them round after round (A B C D, D C B A, …) so that drift in the machine's speed lands
 * on every side alike, and each round's ratio is taken within the round. Goals, of the Map peer:
 * ≥ 0.7× on SQLite, ≥ 0.5× on Redis. autocannon runs here.
 *
 *   node --conditions=@gatehouse/source --import tsx bench/account.ts        (BENCH_ROUNDS=5, BENCH_DURATION=5; BENCH_CACHE_OFF=1
 *                                              adds the cache-off variants, shown for honesty)
 */
import { randomBytes } from 'node:crypto';
import { median, medianInterval } from './stats.ts';
import {
  ADMIN_EMAIL,
  ADMIN_OVERRIDES,
  ADMIN_PASSWORD,
  budget,
  dropPrefix,
  fmt,
  header,
  interleavedRounds,
  type LoadOptions,
  load1,
  loginCookie,
  REDIS_URL,
  redisAvailable,
  SESSION_COOKIE,
  type ServerChild,
  startChild,
  statusSummary,
  table,
  uniquePrefix,
} from './support.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
const CACHE_OFF = process.env.BENCH_CACHE_OFF === '1';

interface Target {
  label: string;
  child: ServerChild;
  cookie?: string;
  goal?: number;
  prefix?: string;
}

budget(20);
header('GET /account (authenticated) — Gatehouse vs bare Fastify, alternating rounds', DURATION_S);
console.log(
  `autocannon: ${CONNECTIONS} connections · ${ROUNDS} rounds · Gatehouse log level: warn (request lines are info)`,
);

const haveRedis = await redisAvailable();
if (!haveRedis) console.log(`(Redis at ${REDIS_URL} is unreachable: the Redis variants are skipped)`);

const variants: { label: string; overrides: Record<string, unknown>; redis: boolean; goal?: number }[] = [
  { label: 'Gatehouse · SQLite sessions · cache 1 s (default)', overrides: {}, redis: false, goal: 0.7 },
  { label: 'Gatehouse · Redis sessions · cache 1 s (default)', overrides: {}, redis: true, goal: 0.5 },
  ...(CACHE_OFF
    ? [
        {
          label: 'Gatehouse · SQLite sessions · cache off',
          overrides: { sessionCacheTtlMs: 0 },
          redis: false,
        },
        { label: 'Gatehouse · Redis sessions · cache off', overrides: { sessionCacheTtlMs: 0 }, redis: true },
      ]
    : []),
];

const targets: Target[] = [];
try {
  let body: Record<string, unknown> | undefined;
  for (const variant of variants) {
    if (variant.redis && !haveRedis) continue;
    const prefix = variant.redis ? uniquePrefix('account') : undefined;
    const child = await startChild('./server-gatehouse.ts', {
      overrides: {
        ...ADMIN_OVERRIDES,
        ...variant.overrides,
        ...(prefix === undefined ? {} : { redisUrl: REDIS_URL, sessionStore: 'redis', redisPrefix: prefix }),
      },
    });
    const cookie = await loginCookie(child.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    targets.push({
      label: variant.label,
      child,
      cookie,
      ...(variant.goal === undefined ? {} : { goal: variant.goal }),
      ...(prefix === undefined ? {} : { prefix }),
    });
    // The exact JSON Gatehouse returns, for the peers to return too.
    if (body === undefined) {
      const response = await fetch(`${child.url}/account`, {
        headers: { cookie, accept: 'application/json' },
      });
      body = (await response.json()) as Record<string, unknown>;
    }
  }
  const token = randomBytes(32).toString('base64url');
  const mapped: Target = {
    label: 'bare Fastify · cookie + Map session lookup',
    child: await startChild('./server-fastify.ts', { mode: 'map', body, tokens: [token] }),
    cookie: `${SESSION_COOKIE}=${token}`,
  };
  const bare: Target = {
    label: 'bare Fastify · same JSON, no session',
    child: await startChild('./server-fastify.ts', { mode: 'static', body }),
  };
  targets.push(mapped, bare);

  const options = targets.map(
    (t): LoadOptions => ({
      url: `${t.child.url}/account`,
      connections: CONNECTIONS,
      durationS: DURATION_S,
      headers: { accept: 'application/json', ...(t.cookie === undefined ? {} : { cookie: t.cookie }) },
      serverPid: t.child.pid,
    }),
  );
  const runs = await interleavedRounds(options, ROUNDS);
  console.log(`load avg after the rounds: ${load1()}`);
  for (const [i, target] of targets.entries()) {
    for (const run of runs[i]!) {
      if ((run.statuses['200'] ?? 0) !== run.total || run.errors > 0)
        console.log(`  ! ${target.label}: ${statusSummary(run.statuses)}, ${run.errors} errors`);
    }
  }
  const mapRuns = runs[targets.indexOf(mapped)]!;
  const bareRuns = runs[targets.indexOf(bare)]!;
  const range = (values: number[]) =>
    `${fmt.ratio(Math.min(...values))}–${fmt.ratio(Math.max(...values))}`.replaceAll('××', '×');

  console.log(
    `\nResults (${ROUNDS} alternating rounds of ${DURATION_S} s after a warm-up each, ${CONNECTIONS} connections; ratios taken round by round):`,
  );
  table(
    [
      'server',
      'req/s (median)',
      'µs CPU/req',
      'p50 ms',
      'p99 ms',
      'vs Map: median',
      'range',
      '95 % CI',
      'by CPU/req',
      'vs bare',
      'goal',
    ],
    targets.map((target, i) => {
      const own = runs[i]!;
      const vsMap = own.map((run, round) => run.rps / mapRuns[round]!.rps);
      const vsBare = own.map((run, round) => run.rps / bareRuns[round]!.rps);
      const [low, high] = medianInterval(vsMap);
      const m = median(vsMap);
      return [
        target.label,
        fmt.rps(median(own.map((r) => r.rps))),
        fmt.us(median(own.map((r) => r.serverCpuUs))),
        fmt.ms(median(own.map((r) => r.p50))),
        fmt.ms(median(own.map((r) => r.p99))),
        fmt.ratio(m),
        range(vsMap),
        `${low.toFixed(2)}–${high.toFixed(2)}`,
        fmt.ratio(median(own.map((run, round) => mapRuns[round]!.serverCpuUs / run.serverCpuUs))),
        fmt.ratio(median(vsBare)),
        target.goal === undefined ? '' : `≥ ${target.goal}× ${m >= target.goal ? 'met' : 'MISSED'}`,
      ];
    }),
  );
  console.log(
    '"by CPU/req": the Map peer\'s server CPU per request over ours, round by round (median) — the ratio a server alone on its core would reach; less moved by other load than req/s.',
  );
  console.log('Per-round ratios to the Map peer:');
  for (const [i, target] of targets.entries()) {
    if (target === mapped) continue;
    console.log(
      `  ${target.label}: ${runs[i]!.map((run, round) => (run.rps / mapRuns[round]!.rps).toFixed(2)).join(' ')}`,
    );
  }
} finally {
  for (const target of targets) {
    await target.child.stop();
    if (target.prefix !== undefined) await dropPrefix(target.prefix);
  }
}
