/**
 * API-key verification in the guard, in process, one core, warm cache (the key was introspected
 * once; every later request is answered locally: checksum-free cache hit, per-key rate limit,
 * revocation feed mirrored). Beside it, the same guard's cached Bearer path (a repeated ES256
 * access token) and a bare `Map.get` of the key, the floor of any cache. Goal: ≥ 1 000 000/s.
 *
 *   node --conditions=@gatehouse/source --import tsx bench/api-keys-guard.ts        (BENCH_CASE_SECONDS=0.5 for a smoke run)
 */
import { availableParallelism, loadavg } from 'node:os';
import { newApiKey } from '@gatehouse/core';
import { createGuard } from '@gatehouse/guard';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { feedResponse, otherRevocations } from './revocation-feed.ts';
import { median } from './stats.ts';

const CASE_SECONDS = Number(process.env.BENCH_CASE_SECONDS ?? 2);
const ROUNDS = 7;
const ISSUER = 'https://auth.bench.test';
const AUDIENCE = 'https://notes.bench.test';
const now = Math.floor(Date.now() / 1000);

const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
const token = await new SignJWT({ client_id: 'cli', scope: 'notes:read' })
  .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'bench' })
  .setIssuer(ISSUER)
  .setSubject('user-1')
  .setAudience(AUDIENCE)
  .setIssuedAt(now)
  .setExpirationTime(now + 600)
  .setJti('jti-1')
  .sign(privateKey);
const key = newApiKey();

/** Gatehouse in process: the feed (1 000 other revocations, then a quiet stream) and key introspection. */
const revocations = otherRevocations(['jti', 'sid', 'sub', 'key'], now);
let introspections = 0;
const fakeFetch: typeof fetch = async (input) => {
  const url = new URL(String(input));
  if (url.pathname === '/api-keys/introspect') {
    introspections += 1;
    return Response.json({
      active: true,
      key_id: key.id,
      sub: 'svc-1',
      kind: 'service',
      scopes: ['notes:read'],
      permissions: ['notes:*'],
      exp: null,
      rate_limit: { limit: 1_000_000, window_seconds: 1 },
      allowed_cidrs: null,
    });
  }
  return feedResponse(url, revocations);
};

const guard = createGuard({
  issuer: ISSUER,
  audience: AUDIENCE,
  jwks: { keys: [jwk] },
  introspectionSecret: 'b'.repeat(40),
  apiKeys: true,
  fetch: fakeFetch,
});
await guard.ready();
const keyRequest = {
  method: 'GET',
  headers: { 'x-api-key': Buffer.from(key.raw).toString('latin1') },
  ip: '10.0.0.1',
};
const bearerRequest = {
  method: 'GET',
  headers: { authorization: Buffer.from(`Bearer ${token}`).toString('latin1') },
};
const auth = await guard.authenticate(keyRequest);
if (!auth.can('notes:read') || auth.can('notes:delete')) throw new Error('unexpected rights');
await guard.authenticate(bearerRequest);
const floor = new Map([[key.raw, auth]]);

async function measure(op: () => unknown, seconds: number): Promise<number> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let n = 0;
  while (performance.now() < deadline) for (let batch = 0; batch < 256; batch++, n++) await op();
  return n / ((performance.now() - started) / 1000);
}

const cases: [string, () => unknown][] = [
  ['guard, API key, warm cache', () => guard.authenticate(keyRequest)],
  ['guard, Bearer token, warm cache', () => guard.authenticate(bearerRequest)],
  ['floor: Map.get of the key', () => floor.get(keyRequest.headers['x-api-key'])],
];
for (const [, op] of cases) await measure(op, 0.3);
const samples = cases.map((): number[] => []);
for (let round = 0; round < ROUNDS; round++)
  for (const [index, [, op]] of cases.entries())
    samples[index]!.push(await measure(op, CASE_SECONDS / ROUNDS));
await guard.close();

console.log('\n=== API-key verification in the guard, in process, warm cache ===');
console.log(
  `${new Date().toISOString()} · ${availableParallelism()} CPUs · node ${process.version} · load avg ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} · ${CASE_SECONDS} s per case, median of ${ROUNDS} interleaved rounds`,
);
for (const [index, [label]] of cases.entries())
  console.log(
    `${label.padEnd(34)} ${Math.round(median(samples[index]!)).toLocaleString('en-US').padStart(12)} /s`,
  );
const ours = median(samples[0]!);
console.log(
  `\nintrospection calls: ${introspections} (one, then cache hits) · goal ≥ 1 000 000/s: ${ours >= 1_000_000 ? 'met' : 'NOT met'}`,
);
