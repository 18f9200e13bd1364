/**
 * Policy engine throughput and latency, in process (no HTTP): decisions/s and p50/p99 for
 * RBAC-only and for RBAC + one CEL ownership condition, on a large policy (1 000 users, 100 roles,
 * 1 000 permissions) and a small one (100 / 10 / 20). In the CEL workload every request misses
 * RBAC and evaluates the condition (the worst case). Run: node --conditions=@gatehouse/source --import tsx bench/policy.ts
 * (BENCH_DURATION=seconds per measurement, default 2).
 */
import { availableParallelism } from 'node:os';
import { type EvaluationRequest, PolicyEngine } from '@gatehouse/core';
import { rng, type Shape } from './random.ts';

const DURATION_MS = Number(process.env.BENCH_DURATION ?? 2) * 1000;
const LATENCY_SAMPLES = 200_000;

function buildPolicy(shape: Shape, withCel: boolean) {
  const random = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const types = Math.max(1, Math.round(shape.permissions / 10));
  const perms: string[] = [];
  for (let t = 0; t < types; t++) for (let a = 0; a < 10; a++) perms.push(`type${t}:act${a}`);
  perms.length = shape.permissions;
  const roles = Array.from({ length: shape.roles }, (_, i) => ({
    name: `role${i}`,
    permissions: Array.from({ length: Math.max(1, Math.round(shape.permissions / shape.roles) * 2) }, () =>
      pick(perms),
    ),
    // Every fifth role inherits the previous one.
    ...(i > 0 && i % 5 === 0 ? { inherits: [`role${i - 1}`] } : {}),
  }));
  const bindings = Array.from({ length: shape.users }, (_, i) => ({
    subject: `user:u${i}`,
    roles: Array.from(
      { length: 1 + Math.floor(random() * 3) },
      () => `role${Math.floor(random() * shape.roles)}`,
    ),
  }));
  const rules = withCel
    ? [
        {
          id: 'owners-manage',
          effect: 'allow',
          permissions: ['*:manage'],
          condition: 'resource.properties.ownerID == subject.id',
        },
      ]
    : [];
  const doc = { version: 1, roles, bindings, rules };
  const engine = PolicyEngine.fromString(JSON.stringify(doc), `${shape.name}.json`);

  const requests: EvaluationRequest[] = Array.from({ length: 4096 }, () => {
    const user = `u${Math.floor(random() * shape.users)}`;
    const [type = '', action = ''] = pick(perms).split(':');
    return withCel
      ? {
          subject: { type: 'user', id: user },
          resource: {
            type,
            id: 'r1',
            properties: { ownerID: random() < 0.5 ? user : 'someone-else' },
          },
          action: { name: 'manage' },
        }
      : { subject: { type: 'user', id: user }, resource: { type, id: 'r1' }, action: { name: action } };
  });
  return { engine, requests };
}

function measure(engine: PolicyEngine, requests: EvaluationRequest[]) {
  const mask = requests.length - 1;
  let allowed = 0;
  // Warm-up: JIT and the per-permission rule index.
  for (let i = 0; i < 200_000; i++) if (engine.evaluate(requests[i & mask]!).decision) allowed++;
  allowed = 0;
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < DURATION_MS) {
    for (let i = 0; i < 10_000; i++, n++) if (engine.evaluate(requests[n & mask]!).decision) allowed++;
    now = performance.now();
  }
  const perSecond = n / ((now - start) / 1000);
  const samples = new Float64Array(LATENCY_SAMPLES);
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const t0 = process.hrtime.bigint();
    engine.evaluate(requests[i & mask]!);
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  samples.sort();
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  return { perSecond, allowedShare: allowed / n, p50: pct(0.5), p99: pct(0.99), p999: pct(0.999) };
}

const shapes: Shape[] = [
  { name: 'large', users: 1000, roles: 100, permissions: 1000 },
  { name: 'small', users: 100, roles: 10, permissions: 20 },
];

console.log(`\n=== policy engine (in process) ===`);
console.log(
  `${new Date().toISOString()} · ${availableParallelism()} CPUs · node ${process.version} · ${DURATION_MS / 1000} s per run · latency over ${LATENCY_SAMPLES} single calls (includes ~50 ns timer cost)`,
);
console.log(
  `${'set'.padEnd(6)} ${'workload'.padEnd(20)} ${'decisions/s'.padStart(12)} ${'allowed'.padStart(8)} ${'p50 ns'.padStart(8)} ${'p99 ns'.padStart(8)} ${'p99.9 ns'.padStart(9)}  load`,
);
for (const shape of shapes) {
  for (const withCel of [false, true]) {
    const t0 = performance.now();
    const { engine, requests } = buildPolicy(shape, withCel);
    const loadMs = performance.now() - t0;
    const r = measure(engine, requests);
    console.log(
      `${shape.name.padEnd(6)} ${(withCel ? 'RBAC + CEL owner' : 'RBAC only').padEnd(20)} ${Math.round(r.perSecond).toLocaleString('en-US').padStart(12)} ${`${Math.round(r.allowedShare * 100)}%`.padStart(8)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(8)} ${String(r.p999).padStart(9)}  ${loadMs.toFixed(0)} ms (${shape.users}u/${shape.roles}r/${shape.permissions}p)`,
    );
  }
}
console.log('peers (casbin enforceSync, CASL, Cedar wasm) on the same data: bench/authz-peers.ts');
