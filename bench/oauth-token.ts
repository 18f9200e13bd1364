/**
 * OAuth token endpoint throughput: `client_credentials` with a resource indicator (RFC 8707),
 * answered with an ES256 RFC 9068 JWT access token — Gatehouse (oidc-provider inside Fastify,
 * clients from SQLite with HMAC'd secrets, signing with the key ring) beside a bare oidc-provider
 * on node:http with its in-memory adapter and the same algorithm, same run, same load. Goal: ratio
 * ≥ 1.0. Both servers run at once and are measured in alternating rounds; it prints each round's
 * ratio, their median, and each server's CPU time per request. BENCH_PIN=1 (server on CPU 0, load
 * generator on CPU 1) gives steadier rounds on a small shared VM.
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
  interleavedRounds,
  type LoadOptions,
  type LoadResult,
  ROUNDS,
  type ServerChild,
  startChild,
  statusSummary,
  table,
} from './support.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const RESOURCE = 'https://notes.example.test';

budget(2 + (ROUNDS * 2 * (DURATION_S + 2)) / 60);
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
const ratios = rounds[0].map((ours, round) => ours.rps / (rounds[1][round] as LoadResult).rps);
const cpuRatios = rounds[0].map(
  (ours, round) => (rounds[1][round] as LoadResult).serverCpuUs / ours.serverCpuUs,
);
console.log(
  `requests/s, Gatehouse / bare, per round: ${ratios.map((r) => r.toFixed(2)).join(' ')} → median ${fmt.ratio(median(ratios))} (goal ≥ 1.00×)`,
);
console.log(
  `server CPU per request, bare / Gatehouse, per round: ${cpuRatios.map((r) => r.toFixed(2)).join(' ')} → median ${fmt.ratio(median(cpuRatios))}`,
);
