/**
 * AuthZEN `POST /access/v1/evaluation` over HTTP (resource-server secret, the notes policy with its
 * CEL ownership rule, a stored-role subject) beside a bare Fastify route that parses the same JSON
 * and answers a fixed decision: requests/s and the ratio (goal ≥ 0.6). Then one batch of 100
 * evaluations (`/access/v1/evaluations`) sent one at a time: p50 latency (goal < 2 ms).
 *
 *   node --conditions=@gatehouse/source --import tsx bench/authzen-http.ts        (BENCH_ROUNDS=5, BENCH_DURATION=5, BENCH_CONNECTIONS=32)
 */
import { fileURLToPath } from 'node:url';
import { median, medianInterval } from './stats.ts';
import {
  budget,
  fmt,
  header,
  interleavedRounds,
  type LoadOptions,
  type LoadResult,
  percentile,
  startChild,
  statusSummary,
  table,
} from './support.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
budget(10);
header('AuthZEN evaluation over HTTP vs a bare Fastify route, alternating rounds', DURATION_S);

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const secret = 'bench-introspection-secret-0123456789abcdef';
const policyDir = fileURLToPath(new URL('../examples/policies', import.meta.url));
const gatehouse = await startChild('server-gatehouse.ts', {
  overrides: { introspectionSecret: secret, policyDir, decisionLogSampleRate: 0.01 },
});
const bare = await startChild('server-fastify.ts', { mode: 'static', body: { decision: true } });
try {
  const headers = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
  const evaluation = {
    subject: { type: 'user', id: 'alice' },
    resource: { type: 'notes', id: 'n-1', properties: { ownerID: 'alice', archived: false } },
    action: { name: 'delete' },
  };
  const check = await fetch(`${gatehouse.url}/access/v1/evaluation`, {
    method: 'POST',
    headers,
    body: JSON.stringify(evaluation),
  });
  const decision = await check.json();
  if (check.status !== 200 || (decision as { decision?: boolean }).decision !== true) {
    throw new Error(`unexpected answer ${check.status} ${JSON.stringify(decision)}`);
  }
  const body = JSON.stringify(evaluation);
  const target = (url: string): LoadOptions => ({
    url: `${url}/access/v1/evaluation`,
    connections: CONNECTIONS,
    durationS: DURATION_S,
    method: 'POST',
    headers,
    body,
  });
  // Alternating rounds (ours, bare; bare, ours; …): each round's ratio is taken within the round.
  const [ours, peer] = (await interleavedRounds(
    [
      { ...target(gatehouse.url), serverPid: gatehouse.pid },
      { ...target(bare.url), serverPid: bare.pid },
    ],
    ROUNDS,
  )) as [LoadResult[], LoadResult[]];
  const row = (label: string, runs: LoadResult[]) => [
    label,
    fmt.rps(median(runs.map((r) => r.rps))),
    fmt.us(median(runs.map((r) => r.serverCpuUs))),
    fmt.ms(median(runs.map((r) => r.p50))),
    fmt.ms(median(runs.map((r) => r.p99))),
    statusSummary(
      runs.reduce<Record<string, number>>((sum, r) => {
        for (const [code, n] of Object.entries(r.statuses)) sum[code] = (sum[code] ?? 0) + n;
        return sum;
      }, {}),
    ),
  ];
  table(
    ['server', 'requests/s (median)', 'µs CPU/req', 'p50 ms', 'p99 ms', 'statuses'],
    [row('Gatehouse AuthZEN evaluation', ours), row('bare Fastify POST (fixed answer)', peer)],
  );
  const ratios = ours.map((run, round) => run.rps / peer[round]!.rps);
  const [low, high] = medianInterval(ratios);
  const m = median(ratios);
  const byCpu = median(ours.map((run, round) => peer[round]!.serverCpuUs / run.serverCpuUs));
  console.log(
    `ratio Gatehouse / bare Fastify over ${ROUNDS} rounds: median ${fmt.ratio(m)}, range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}, 95 % CI ${low.toFixed(2)}–${high.toFixed(2)} (goal ≥ 0.6: ${m >= 0.6 ? 'met' : 'MISSED'}); per round ${ratios.map((r) => r.toFixed(2)).join(' ')}`,
  );
  console.log(`by server CPU per request (bare / ours, median of the rounds): ${fmt.ratio(byCpu)}`);

  // A batch of 100 evaluations: users, owners, archived flags and actions vary.
  const users = ['alice', 'bob', 'mona', 'rita', 'tara', 'pat', 'nobody'];
  const actions = ['read', 'update', 'delete', 'create'];
  const evaluations = Array.from({ length: 100 }, (_, i) => ({
    subject: { type: 'user', id: users[i % users.length] },
    resource: {
      type: 'notes',
      id: `n-${i}`,
      properties: { ownerID: users[(i * 3) % users.length], archived: i % 10 === 0, tenant: 'acme' },
    },
    action: { name: actions[i % actions.length] },
  }));
  const batch = JSON.stringify({ evaluations });
  const samples: number[] = [];
  let allowed = 0;
  const started = performance.now();
  for (let i = 0; i < 2000 && performance.now() - started < DURATION_S * 1000; i++) {
    const t0 = performance.now();
    const response = await fetch(`${gatehouse.url}/access/v1/evaluations`, {
      method: 'POST',
      headers,
      body: batch,
    });
    const answer = (await response.json()) as { evaluations: { decision: boolean }[] };
    samples.push(performance.now() - t0);
    if (i === 0) allowed = answer.evaluations.filter((e) => e.decision).length;
  }
  samples.sort((a, b) => a - b);
  console.log(
    `batch of 100 evaluations (one client, sequential, ${samples.length} batches, ${allowed}/100 allowed): p50 ${fmt.ms(percentile(samples, 50))} ms, p99 ${fmt.ms(percentile(samples, 99))} ms (goal p50 < 2 ms)`,
  );
} finally {
  await gatehouse.stop();
  await bare.stop();
}
