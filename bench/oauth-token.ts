/**
 * OAuth token endpoint throughput: `client_credentials` with a resource indicator (RFC 8707),
 * answered with an ES256 RFC 9068 JWT access token — Gatehouse (oidc-provider inside Fastify,
 * clients from SQLite with HMAC'd secrets, signing with the key ring) beside a bare oidc-provider
 * on node:http with its in-memory adapter and the same algorithm, same run, same load. Goal: ratio
 * ≥ 1.0. Both servers run at once and are measured in alternating rounds; it prints each round's
 * ratio, their median, and each server's CPU time per request. Then both are loaded at the same time
 * (head to head): pinned, they share one CPU, and the ratio is steady to a few per cent where the
 * alternating rounds swing by tens. BENCH_PIN=1 (servers on CPU 0, load generator on CPU 1) gives
 * steadier rounds on a small shared VM.
 *
 *   BENCH_PIN=1 BENCH_ROUNDS=7 node --import tsx bench/oauth-token.ts
 *   (BENCH_DURATION=2 BENCH_WARMUP=1 for a smoke run)
 */

import { median } from './stats.ts';
import {
  basicAuth,
  budget,
  DURATION_S,
  fmt,
  freePort,
  header,
  headToHeadRounds,
  interleavedRounds,
  type LoadOptions,
  type LoadResult,
  ROUNDS,
  type ServerChild,
  startChild,
  statusSummary,
  table,
  WARMUP_S,
} from './support.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const RESOURCE = 'https://notes.example.test';

budget(2 + (ROUNDS * 3 * (DURATION_S + WARMUP_S + 1)) / 60);
header('POST /oauth/token (client_credentials → ES256 JWT access token) — Gatehouse vs bare oidc-provider');
console.log(
  `autocannon: ${CONNECTIONS} connections · Gatehouse log level: warn · ${ROUNDS} interleaved rounds, median shown`,
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

const gatehouse = await startChild('server-oauth.ts', { overrides: { port: await freePort() } });
let bare: ServerChild | undefined;
let rounds: [LoadResult[], LoadResult[]];
let together: [LoadResult[], LoadResult[]];
try {
  const { clientId, secret } = await gatehouse.call<{ clientId: string; secret: string }>('client', {
    name: 'bench worker',
    type: 'confidential',
    grantTypes: ['client_credentials'],
    scopes: ['notes:read'],
    resources: [RESOURCE],
  });
  bare = await startChild('server-bare-oidc.ts', {
    port: await freePort(),
    clientId,
    secret,
    resource: RESOURCE,
  });
  // The bare provider answers at its default /token; same body, same client credentials.
  const targets = [
    loadOptions(gatehouse, `${gatehouse.url}/oauth/token`, clientId, secret),
    loadOptions(bare, `${bare.url}/token`, clientId, secret),
  ];
  for (const target of targets) await probe(target);
  rounds = (await interleavedRounds(targets)) as [LoadResult[], LoadResult[]];
  together = (await headToHeadRounds(targets)) as [LoadResult[], LoadResult[]];
} finally {
  await gatehouse.stop();
  await bare?.stop();
}

const medianRun = (runs: LoadResult[]) =>
  [...runs].sort((a, b) => a.rps - b.rps)[Math.floor((runs.length - 1) / 2)] as LoadResult;
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
// drift; the median over rounds is the figure, and the spread says how far to trust it.
const perRound = (runs: [LoadResult[], LoadResult[]], of: (ours: LoadResult, bare: LoadResult) => number) =>
  runs[0].map((ours, round) => of(ours, runs[1][round] as LoadResult));
const report = (what: string, ratios: number[], goal = '') =>
  console.log(
    `${what}, per round: ${ratios.map((r) => r.toFixed(2)).join(' ')} → median ${fmt.ratio(median(ratios))}${goal}`,
  );
report(
  'requests/s, Gatehouse / bare',
  perRound(rounds, (ours, bare) => ours.rps / bare.rps),
  ' (goal ≥ 1.00×)',
);
report(
  'server CPU per request, bare / Gatehouse',
  perRound(rounds, (ours, bare) => bare.serverCpuUs / ours.serverCpuUs),
);

console.log('');
console.log('head to head: both servers loaded at once, sharing CPU 0 when pinned (rates lower than alone)');
table(
  ['server (median run)', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'statuses'],
  [row('Gatehouse /oauth/token', together[0]), row('bare oidc-provider /token', together[1])],
);
report(
  'requests/s, Gatehouse / bare',
  perRound(together, (ours, bare) => ours.rps / bare.rps),
);
