/**
 * OAuth token endpoint throughput: `client_credentials` with a resource indicator (RFC 8707),
 * answered with an ES256 RFC 9068 JWT access token — Gatehouse (oidc-provider inside Fastify,
 * clients from SQLite with HMAC'd secrets, signing with the key ring) beside a bare oidc-provider
 * on node:http with its in-memory adapter and the same algorithm, same run, same load. Goal: ratio
 * ≥ 1.0. Both servers run at once and are measured in alternating rounds.
 *
 *   node --import tsx bench/oauth-token.ts        (BENCH_DURATION=2 BENCH_WARMUP=1 for a smoke run)
 */
import {
  basicAuth,
  budget,
  DURATION_S,
  fmt,
  freePort,
  header,
  interleavedRuns,
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

function loadOptions(tokenUrl: string, clientId: string, secret: string): LoadOptions {
  return {
    url: tokenUrl,
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
let ours: LoadResult;
let peer: LoadResult;
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
    loadOptions(`${gatehouse.url}/oauth/token`, clientId, secret),
    loadOptions(`${bare.url}/token`, clientId, secret),
  ];
  for (const target of targets) await probe(target);
  [ours, peer] = (await interleavedRuns(targets)) as [LoadResult, LoadResult];
} finally {
  await gatehouse.stop();
  await bare?.stop();
}

table(
  ['server', 'req/s', 'p50 ms', 'p99 ms', 'statuses'],
  [
    [
      'Gatehouse /oauth/token',
      fmt.rps(ours.rps),
      fmt.ms(ours.p50),
      fmt.ms(ours.p99),
      statusSummary(ours.statuses),
    ],
    [
      'bare oidc-provider /token',
      fmt.rps(peer.rps),
      fmt.ms(peer.p50),
      fmt.ms(peer.p99),
      statusSummary(peer.statuses),
    ],
  ],
);
console.log(`ratio Gatehouse / bare: ${fmt.ratio(ours.rps / peer.rps)} (goal ≥ 1.00×)`);
