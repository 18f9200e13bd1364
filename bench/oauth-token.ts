/**
 * OAuth token endpoint throughput: `client_credentials` with a resource indicator (RFC 8707),
 * answered with an ES256 RFC 9068 JWT access token — Gatehouse (oidc-provider inside Fastify,
 * clients from SQLite with HMAC'd secrets, signing with the key ring) beside a bare oidc-provider
 * on node:http with its in-memory adapter and the same algorithm, same run, same load. Goal: ratio
 * ≥ 1.0.
 *
 *   node --import tsx bench/oauth-token.ts        (BENCH_DURATION=2 BENCH_WARMUP=1 for a smoke run)
 */
import {
  budget,
  DURATION_S,
  fmt,
  freePort,
  header,
  type LoadResult,
  startChild,
  statusSummary,
  table,
  warmThenRun,
} from './support.ts';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const RESOURCE = 'https://notes.example.test';

budget(6);
header('POST /oauth/token (client_credentials → ES256 JWT access token) — Gatehouse vs bare oidc-provider');
console.log(`autocannon: ${CONNECTIONS} connections · Gatehouse log level: warn`);

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function measure(tokenUrl: string, clientId: string, secret: string): Promise<LoadResult> {
  const options = {
    url: tokenUrl,
    connections: CONNECTIONS,
    durationS: DURATION_S,
    method: 'POST' as const,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basic(clientId, secret),
    },
    body: `grant_type=client_credentials&scope=notes%3Aread&resource=${encodeURIComponent(RESOURCE)}`,
  };
  // One request first, so a misconfiguration fails loudly instead of measuring errors.
  const probe = await fetch(options.url, { method: 'POST', headers: options.headers, body: options.body });
  if (probe.status !== 200) throw new Error(`${tokenUrl}: ${probe.status} ${await probe.text()}`);
  return warmThenRun(options);
}

const gatehousePort = await freePort();
const gatehouse = await startChild('server-oauth.ts', { overrides: { port: gatehousePort } });
let ours: LoadResult;
let clientId: string;
let secret: string;
try {
  ({ clientId, secret } = await gatehouse.call<{ clientId: string; secret: string }>('client', {
    name: 'bench worker',
    type: 'confidential',
    grantTypes: ['client_credentials'],
    scopes: ['notes:read'],
    resources: [RESOURCE],
  }));
  ours = await measure(`${gatehouse.url}/oauth/token`, clientId, secret);
} finally {
  await gatehouse.stop();
}

const barePort = await freePort();
const bare = await startChild('server-bare-oidc.ts', {
  port: barePort,
  clientId,
  secret,
  resource: RESOURCE,
});
let peer: LoadResult;
try {
  // The bare provider answers at its default /token; same body, same client credentials.
  peer = await measure(`${bare.url}/token`, clientId, secret);
} finally {
  await bare.stop();
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
