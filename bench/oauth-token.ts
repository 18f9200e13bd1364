/**
 * OAuth token endpoint throughput: `client_credentials` with a resource indicator (RFC 8707),
 * answered with an ES256 RFC 9068 JWT access token — Gatehouse (oidc-provider inside Fastify,
 * clients from SQLite with HMAC'd secrets, signing with the key ring) beside a bare oidc-provider
 * on node:http with its in-memory adapter and the same algorithm, same run, same load. Goal: ratio
 * ≥ 1.0.
 *
 * The figure: several fresh pairs of server processes (a process's speed depends on its start-up
 * luck — heap layout, JIT decisions — as much as on the machine's moment), on each pair short
 * rounds with each server loaded alone in turn (A B, B A, …), the ratio of each round's two rates,
 * and the median of every round with a 95 % bootstrap interval that resamples whole pairs. Then,
 * as a diagnostic, one round per pair with both servers loaded at the same time (head to head):
 * it measures the CPU share the scheduler gives each process as much as its cost per request, so
 * it is biased against the process with fewer runnable threads or the larger footprint (see
 * docs/benchmarks.md §10). BENCH_PIN=1 (servers on CPU 0, load generator on CPU 1) steadies both.
 *
 *   BENCH_PIN=1 node --conditions=@gatehouse/source --import tsx bench/oauth-token.ts     (8 pairs × 5 rounds of 3 s, ~10 min)
 *   BENCH_PAIRS=2 BENCH_ROUNDS=2 BENCH_DURATION=1 BENCH_WARMUP=1 … for a smoke run
 *   BENCH_SIGNING_THREAD=thread-pool|event-loop overrides where Gatehouse signs (default: auto)
 */

import { clusteredMedianInterval, median } from './stats.ts';
import {
  barePeer,
  basicAuth,
  budget,
  fmt,
  freePort,
  header,
  headToHeadRounds,
  interleavedRounds,
  type LoadOptions,
  type LoadResult,
  medianRun,
  type ServerChild,
  startChild,
  statusSummary,
  table,
  WARMUP_S,
} from './support.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const RESOURCE = 'https://notes.example.test';
// Many short rounds on several process pairs rather than a few long ones on one pair: the median's
// interval narrows with their number, and covers the processes' start-up luck.
const PAIRS = Number(process.env.BENCH_PAIRS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 3);
const H2H_ROUNDS = Number(process.env.BENCH_H2H_ROUNDS ?? 1);
// Where Gatehouse signs (GATEHOUSE_SIGNING_THREAD); unset: `auto`, decided by the server's CPUs.
const SIGNING_THREAD = process.env.BENCH_SIGNING_THREAD;

budget(2 + (PAIRS * (15 + (ROUNDS * 2 + H2H_ROUNDS) * (DURATION_S + WARMUP_S + 0.5))) / 60);
header(
  'POST /oauth/token (client_credentials → ES256 JWT access token) — Gatehouse vs bare oidc-provider',
  DURATION_S,
);
console.log(
  `autocannon: ${CONNECTIONS} connections · Gatehouse log level: warn · ${PAIRS} fresh pairs of servers, each: ${ROUNDS} alternating rounds of ${DURATION_S} s, then ${H2H_ROUNDS} head to head`,
);

function loadOptions(server: ServerChild, tokenUrl: string, clientId: string, secret: string): LoadOptions {
  return {
    url: tokenUrl,
    serverPid: server.pid,
    connections: CONNECTIONS,
    durationS: DURATION_S,
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(clientId, secret),
    },
    body: `grant_type=client_credentials&scope=notes%3Aread&resource=${encodeURIComponent(RESOURCE)}`,
  };
}

/** One request first, so a misconfiguration fails loudly instead of measuring errors. */
async function probe(options: LoadOptions): Promise<void> {
  const response = await fetch(options.url, {
    method: 'POST',
    headers: options.headers ?? {},
    body: options.body ?? '',
  });
  if (response.status !== 200) throw new Error(`${options.url}: ${response.status} ${await response.text()}`);
}

/** Where each Gatehouse server made its signatures, as it reports. */
const signingThreads = new Set<string>();

/** One fresh pair of servers: its alternating rounds, then its head-to-head rounds. */
async function measurePair(): Promise<{
  alone: [LoadResult[], LoadResult[]];
  together: [LoadResult[], LoadResult[]];
}> {
  const gatehouse = await startChild('server-oauth.ts', {
    overrides: { port: await freePort(), ...(SIGNING_THREAD ? { signingThread: SIGNING_THREAD } : {}) },
  });
  let bare: ServerChild | undefined;
  try {
    signingThreads.add(await gatehouse.call<string>('signingThread'));
    const peer = await barePeer(
      gatehouse,
      {
        name: 'bench worker',
        type: 'confidential',
        grantTypes: ['client_credentials'],
        scopes: ['notes:read'],
        resources: [RESOURCE],
      },
      { resource: RESOURCE },
    );
    bare = peer.bare;
    const { clientId, secret } = peer;
    // The bare provider answers at its default /token; same body, same client credentials.
    const targets = [
      loadOptions(gatehouse, `${gatehouse.url}/oauth/token`, clientId, secret),
      loadOptions(bare, `${bare.url}/token`, clientId, secret),
    ];
    for (const target of targets) await probe(target);
    const alone = (await interleavedRounds(targets, ROUNDS)) as [LoadResult[], LoadResult[]];
    const together = (await headToHeadRounds(targets, H2H_ROUNDS)) as [LoadResult[], LoadResult[]];
    return { alone, together };
  } finally {
    await gatehouse.stop();
    await bare?.stop();
  }
}

const pairs: Awaited<ReturnType<typeof measurePair>>[] = [];
for (let pair = 0; pair < PAIRS; pair++) pairs.push(await measurePair());
const pooled = (which: 'alone' | 'together', side: 0 | 1) => pairs.flatMap((pair) => pair[which][side]);
const rounds: [LoadResult[], LoadResult[]] = [pooled('alone', 0), pooled('alone', 1)];
const together: [LoadResult[], LoadResult[]] = [pooled('together', 0), pooled('together', 1)];

const row = (name: string, runs: LoadResult[]) => {
  const run = medianRun(runs);
  return [
    name,
    fmt.rps(run.rps),
    fmt.ms(run.p50),
    fmt.ms(run.p99),
    fmt.us(median(runs.map((r) => r.serverCpuUs))),
    statusSummary(run.statuses),
  ];
};
table(
  ['server (median run)', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'statuses'],
  [row('Gatehouse /oauth/token', rounds[0]), row('bare oidc-provider /token', rounds[1])],
);
// Each round's two runs are back to back, so their ratio is the least disturbed by the machine's
// drift; the median over every round is the figure, and the interval (resampling whole pairs) says
// how far to trust it.
const report = (
  what: string,
  which: 'alone' | 'together',
  of: (ours: LoadResult, bare: LoadResult) => number,
  goal = '',
) => {
  const perPair = pairs.map((pair) => pair[which][0].map((ours, round) => of(ours, pair[which][1][round]!)));
  const all = perPair.flat();
  const [low, high] = clusteredMedianInterval(perPair);
  console.log(
    `${what}, median per pair: ${perPair.map((ratios) => median(ratios).toFixed(2)).join(' ')} → median of ${all.length} rounds ${fmt.ratio(median(all))} (95 % interval ${low.toFixed(2)}–${high.toFixed(2)})${goal}`,
  );
};
console.log(
  `Gatehouse signed in the ${[...signingThreads].map((where) => where.replace('-', ' ')).join(' / ')} (bare oidc-provider: WebCrypto, thread pool)`,
);
report('requests/s, Gatehouse / bare', 'alone', (ours, bare) => ours.rps / bare.rps, ' (goal ≥ 1.00×)');
report(
  'server CPU per request, bare / Gatehouse',
  'alone',
  (ours, bare) => bare.serverCpuUs / ours.serverCpuUs,
);

if (H2H_ROUNDS > 0) {
  console.log('');
  console.log(
    'head to head (diagnostic): both servers loaded at once, sharing CPU 0 when pinned — rates lower than alone, and biased by how the scheduler shares the CPU',
  );
  table(
    ['server (median run)', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'statuses'],
    [row('Gatehouse /oauth/token', together[0]), row('bare oidc-provider /token', together[1])],
  );
  report('requests/s, Gatehouse / bare', 'together', (ours, bare) => ours.rps / bare.rps);
}
