/**
 * Login cost. Phase 1: `POST /login` latency at concurrency 1 beside the argon2id hash time alone
 * (@node-rs/argon2, m=19456 t=2 p=1, measured in this process, in the same run); goal: login p50
 * within 3 ms of the hash time. Phase 2: while 20 clients hammer `POST /login` with wrong passwords
 * (throttle limits raised so they are not 429'd), a separate low-rate autocannon instance measures
 * `GET /account`; goal: p99 < 25 ms.
 *
 *   node --conditions=@gatehouse/source --import tsx bench/login.ts        (BENCH_DURATION=2 BENCH_WARMUP=1 for a smoke run)
 */
import { hash, verify } from '@node-rs/argon2';
import {
  ADMIN_EMAIL,
  ADMIN_OVERRIDES,
  ADMIN_PASSWORD,
  budget,
  DURATION_S,
  fmt,
  header,
  load1,
  loginCookie,
  percentile,
  runLoad,
  startChild,
  statusSummary,
  table,
  WARMUP_S,
} from './support.ts';

const ARGON2 = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const HASH_SAMPLES = Number(process.env.BENCH_HASH_SAMPLES ?? 30);
const HAMMER_CONNECTIONS = 20;
const PROBE_RATE = 50;

budget(10);
header('POST /login latency vs argon2id alone; GET /account under a login flood');

async function timeArgon2(samples: number): Promise<{ hash: number[]; verify: number[] }> {
  const password = 'correct horse battery staple 42';
  const stored = await hash(password, ARGON2);
  for (let i = 0; i < 3; i++) await hash(password, ARGON2); // warm-up
  const hashes: number[] = [];
  const verifies: number[] = [];
  for (let i = 0; i < samples; i++) {
    let t = performance.now();
    await hash(password, ARGON2);
    hashes.push(performance.now() - t);
    t = performance.now();
    await verify(stored, password);
    verifies.push(performance.now() - t);
  }
  return { hash: hashes, verify: verifies };
}

const summary = (values: number[]) => {
  const sorted = Float64Array.from(values).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: values.length };
};

const child = await startChild('./server-gatehouse.ts', {
  overrides: {
    ...ADMIN_OVERRIDES,
    loginLimitPerAccountAndIp: 1_000_000_000,
    loginLimitPerAccount: 1_000_000_000,
    loginLimitPerIp: 1_000_000_000,
  },
});

try {
  const loginBody = (password: string) => JSON.stringify({ email: ADMIN_EMAIL, password });
  const loginOptions = (password: string) => ({
    url: `${child.url}/login`,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: loginBody(password),
  });

  // ---- phase 1: one login at a time, beside the hash alone (before and after, to catch drift)
  const before = await timeArgon2(HASH_SAMPLES);
  if (WARMUP_S > 0) await runLoad({ ...loginOptions(ADMIN_PASSWORD), connections: 1, durationS: WARMUP_S });
  const serial = await runLoad({ ...loginOptions(ADMIN_PASSWORD), connections: 1, durationS: DURATION_S });
  const after = await timeArgon2(HASH_SAMPLES);
  const hashTimes = summary([...before.hash, ...after.hash]);
  const verifyTimes = summary([...before.verify, ...after.verify]);
  const okLogins = serial.statuses['200'] ?? 0;
  console.log(`  phase 1 done (load avg ${load1()}): ${statusSummary(serial.statuses)}`);

  // ---- phase 2: GET /account at a low rate, alone and then under a login flood
  const cookie = await loginCookie(child.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const probe = (durationS: number) =>
    runLoad({
      url: `${child.url}/account`,
      headers: { cookie, accept: 'application/json' },
      connections: 2,
      overallRate: PROBE_RATE,
      durationS,
    });
  const quiet = await probe(DURATION_S);
  const flood = runLoad({
    ...loginOptions('not the password, not even close'),
    connections: HAMMER_CONNECTIONS,
    durationS: DURATION_S + 2,
  });
  await new Promise((resolve) => setTimeout(resolve, 1000)); // let the flood fill the hash queue
  const loaded = await probe(DURATION_S);
  const hammer = await flood;
  console.log(`  phase 2 done (load avg ${load1()})`);

  console.log('\nPhase 1 — concurrency 1 (ms):');
  table(
    ['measurement', 'samples', 'p50', 'p99'],
    [
      ['argon2id hash alone (m=19456,t=2,p=1)', hashTimes.n, fmt.ms(hashTimes.p50), fmt.ms(hashTimes.p99)],
      [
        'argon2id verify alone (what login runs)',
        verifyTimes.n,
        fmt.ms(verifyTimes.p50),
        fmt.ms(verifyTimes.p99),
      ],
      [
        'POST /login, correct password (HTTP, end to end)',
        serial.total,
        fmt.ms(serial.p50),
        fmt.ms(serial.p99),
      ],
    ],
  );
  const overhead = serial.p50 - hashTimes.p50;
  console.log(
    `login p50 − hash p50 = ${fmt.ms(overhead)} ms (goal ≤ 3 ms: ${overhead <= 3 ? 'met' : 'MISSED'}); ` +
      `${okLogins}/${serial.total} logins answered 200.`,
  );

  console.log(`\nPhase 2 — GET /account at ${PROBE_RATE} req/s (ms):`);
  table(
    ['condition', 'requests', 'p50', 'p99', 'max', 'statuses'],
    [
      [
        'alone',
        quiet.total,
        fmt.ms(quiet.p50),
        fmt.ms(quiet.p99),
        fmt.ms(quiet.max),
        statusSummary(quiet.statuses),
      ],
      [
        `during ${HAMMER_CONNECTIONS}-client POST /login flood`,
        loaded.total,
        fmt.ms(loaded.p50),
        fmt.ms(loaded.p99),
        fmt.ms(loaded.max),
        statusSummary(loaded.statuses),
      ],
    ],
  );
  console.log(
    `flood: ${fmt.rps(hammer.rps)} logins/s (${statusSummary(hammer.statuses)}), login p50 ${fmt.ms(hammer.p50)} ms, p99 ${fmt.ms(hammer.p99)} ms`,
  );
  console.log(
    `GET /account p99 under the flood: ${fmt.ms(loaded.p99)} ms (goal < 25 ms: ${loaded.p99 < 25 ? 'met' : 'MISSED'})`,
  );
} finally {
  await child.stop();
}
