/**
 * Bearer verification cost in process, ES256 access tokens (RFC 9068 shape), one after another:
 *
 *   (a) bare node:crypto verify of the signature — the physical limit;
 *   (b) raw jose.jwtVerify with the same key and the same claims checks;
 *   (c) the guard, verified-token cache off, distinct tokens — goal ≥ 0.9 × (b);
 *   (c') the guard, cache on, every token new (misses + inserts);
 *   (d) the guard, cache on, one repeated token — goal ≥ 5 × (b).
 *
 * The guard runs as deployed: local JWKS, revocation feed on (fed by an in-process fake Gatehouse
 * holding 1 000 revocations), full request path (`authenticate` on a Node-style request).
 *
 *   node --conditions=@gatehouse/source --import tsx bench/guard-verify.ts        (BENCH_CASE_SECONDS=0.5 for a smoke run)
 */
import { KeyObject, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createGuard, type Guard } from '@gatehouse/guard';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { feedResponse, otherRevocations } from './revocation-feed.ts';
import { median } from './stats.ts';

const CASE_SECONDS = Number(process.env.BENCH_CASE_SECONDS ?? 2);
const WARMUP_SECONDS = Math.min(0.5, CASE_SECONDS / 4);
const ROUNDS = 7;
const DISTINCT = 20_000;
const ISSUER = 'https://auth.bench.test';
const AUDIENCE = 'https://notes.bench.test';
const SECRET = 'b'.repeat(40);

setTimeout(() => {
  console.error('guard-verify exceeded its 5-minute budget; aborting');
  process.exit(2);
}, 300_000).unref();

// ---------------------------------------------------------------- fixtures

const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
const now = Math.floor(Date.now() / 1000);

function mint(i: number): Promise<string> {
  return new SignJWT({ client_id: 'notes-spa', scope: 'notes:read notes:write', sid: `session-${i % 500}` })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'bench' })
    .setIssuer(ISSUER)
    .setSubject(`user-${i % 1000}`)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .setJti(`jti-${i}`)
    .sign(privateKey);
}

const tokens: string[] = [];
for (let i = 0; i < DISTINCT; i++) tokens.push(await mint(i));

/** Gatehouse's revocation feed, in process: 1 000 revocations of other tokens, then a quiet stream. */
const revocations = otherRevocations(['jti', 'sid', 'sub'], now);
const fakeFetch: typeof fetch = async (input) => feedResponse(new URL(String(input)), revocations);

function guardWith(tokenCacheMaxEntries: number): Guard {
  return createGuard({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: { keys: [jwk] },
    introspectionSecret: SECRET,
    tokenCacheMaxEntries,
    fetch: fakeFetch,
  });
}

// ---------------------------------------------------------------- cases

const nodeKey = KeyObject.from(publicKey);
const split = tokens.map((token) => {
  const last = token.lastIndexOf('.');
  return {
    input: Buffer.from(token.slice(0, last)),
    signature: Buffer.from(token.slice(last + 1), 'base64url'),
  };
});
const joseOptions = {
  algorithms: ['ES256'],
  typ: 'at+jwt',
  issuer: ISSUER,
  audience: AUDIENCE,
  clockTolerance: 30,
  maxTokenAge: 930,
  requiredClaims: ['exp', 'iat', 'sub', 'jti'],
};
// Requests are built once: a server's header values arrive as flat strings from the HTTP parser,
// not as the rope a template literal makes (which the first regex over it would have to flatten).
const requests = tokens.map((token) => ({
  method: 'GET',
  headers: { authorization: Buffer.from(`Bearer ${token}`).toString('latin1') },
}));

/**
 * Runs `op` back to back for `seconds`; returns operations per second. Each case's counter carries
 * on across calls, so its tokens never repeat within a cycle of 20 000 (longer than the cache).
 */
const counters = new Map<unknown, number>();
async function measure(op: (i: number) => unknown, seconds: number): Promise<{ wall: number; cpu: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const first = counters.get(op) ?? 0;
  let i = first;
  while (performance.now() < deadline) for (let batch = 0; batch < 64; batch++, i++) await op(i);
  counters.set(op, i);
  const used = process.cpuUsage(cpu);
  return {
    wall: (i - first) / ((performance.now() - started) / 1000),
    cpu: (i - first) / ((used.user + used.system) / 1e6),
  };
}

const uncached = guardWith(0);
const cached = guardWith(10_000);
await Promise.all([uncached.ready(), cached.ready()]);
await cached.authenticate(requests[0]!);

const cases: [string, (i: number) => unknown][] = [
  [
    '(a) node:crypto verify (signature only)',
    (i) => {
      const t = split[i % DISTINCT]!;
      if (!verify('sha256', t.input, { key: nodeKey, dsaEncoding: 'ieee-p1363' }, t.signature))
        throw new Error('bad');
    },
  ],
  ['(b) jose.jwtVerify', (i) => jwtVerify(tokens[i % DISTINCT]!, publicKey, joseOptions)],
  ['(c) guard, cache off, distinct tokens', (i) => uncached.authenticate(requests[i % DISTINCT]!)],
  ["(c') guard, cache on, every token new", (i) => cached.authenticate(requests[i % DISTINCT]!)],
  ['(d) guard, cache on, repeated token', () => cached.authenticate(requests[0]!)],
];
// Interleaved rounds, median per case: background load drifts, and this way it hits every case alike.
for (const [, op] of cases) await measure(op, WARMUP_SECONDS);
const samples = cases.map((): number[] => []);
const cpuSamples = cases.map((): number[] => []);
for (let round = 0; round < ROUNDS; round++)
  for (const [index, [, op]] of cases.entries()) {
    const { wall, cpu } = await measure(op, CASE_SECONDS / ROUNDS);
    samples[index]!.push(wall);
    cpuSamples[index]!.push(cpu);
  }
const rows = cases.map(([label], index): [string, number] => [label, median(samples[index]!)]);
/** Each case against (b) in the same round (paired, so drift between rounds cancels), median over rounds. */
const ratio = (index: number, of = samples) =>
  median(of[index]!.map((value, round) => value / of[1]![round]!));
await Promise.all([uncached.close(), cached.close()]);

// ---------------------------------------------------------------- report

let cpuModel = 'unknown';
try {
  cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
} catch {}
console.log('\n=== Bearer verification (ES256 at+jwt), in process ===');
console.log(
  `${new Date().toISOString()} · ${availableParallelism()} CPUs · ${cpuModel} · node ${process.version} · load avg ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `${CASE_SECONDS} s per case (median of ${ROUNDS} interleaved rounds; ratios paired per round) after ${WARMUP_SECONDS} s warm-up · ${DISTINCT} distinct tokens · 1 000 revocations mirrored\n`,
);
for (const [index, [label, opsPerSecond]] of rows.entries())
  console.log(
    `${label.padEnd(42)} ${Math.round(opsPerSecond).toLocaleString('en-US').padStart(9)} ops/s ${ratio(index).toFixed(2).padStart(7)}× (b)   ${Math.round(median(cpuSamples[index]!)).toLocaleString('en-US').padStart(9)} ops/CPU-s ${ratio(index, cpuSamples).toFixed(2).padStart(7)}× (b)`,
  );
const c = ratio(2);
const d = ratio(4);
console.log(
  `\ngoals: (c) ≥ 0.9× (b): ${c.toFixed(2)}× ${c >= 0.9 ? 'met' : 'NOT met'} · (d) ≥ 5× (b): ${d.toFixed(1)}× ${d >= 5 ? 'met' : 'NOT met'}`,
);
if (process.env.BENCH_STRICT === '1' && (c < 0.9 || d < 5)) process.exitCode = 1;
