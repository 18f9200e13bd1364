/**
 * Authorization engines side by side, in process, on the same generated data: Gatehouse's policy
 * engine (RBAC only, and RBAC + one CEL ownership condition) beside casbin (`enforceSync`, RBAC
 * model with role inheritance), CASL (a prebuilt ability per user) and Cedar (`@cedar-policy/
 * cedar-wasm`, preparsed policy set, each request given only its principal's entity slice — the
 * cheapest fair call). Sets: large = 1 000 users, 100 roles, 1 000 permissions; small = 100 / 10 /
 * 20. Each role holds ~2× its share of permissions, every fifth role inherits the previous one,
 * each user holds 1–3 roles. The ownership workload asks `manage` on a resource whose ownerID is
 * the caller half of the time (casbin is measured for RBAC only).
 * Run: node --conditions=@gatehouse/source --import tsx bench/authz-peers.ts (BENCH_DURATION = seconds per round, default 2; the
 * throughput is the median of three rounds).
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createMongoAbility, type MongoAbility } from '@casl/ability';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { type EvaluationRequest, PolicyEngine } from '@gatehouse/core';
import { newEnforcer, newModelFromString, StringAdapter } from 'casbin';
import { rng, type Shape } from './random.ts';

const DURATION_MS = Number(process.env.BENCH_DURATION ?? 2) * 1000;
const REQUESTS = 4096;
const ROUNDS = 3;
// A full collection between engines, so one engine's garbage is not collected on another's clock.
setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

interface Dataset {
  perms: string[];
  roles: { name: string; permissions: string[]; parent: string | undefined }[];
  users: { id: string; roles: string[] }[];
  /** RBAC requests: user, type, action. */
  rbac: { user: string; type: string; action: string }[];
  /** Ownership requests: user, type, owner. */
  owner: { user: string; type: string; owner: string }[];
}

function dataset(shape: Shape): Dataset {
  const random = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const types = Math.max(1, Math.round(shape.permissions / 10));
  const perms: string[] = [];
  for (let t = 0; t < types; t++) for (let a = 0; a < 10; a++) perms.push(`type${t}:act${a}`);
  perms.length = shape.permissions;
  const perRole = Math.max(1, Math.round(shape.permissions / shape.roles) * 2);
  const roles = Array.from({ length: shape.roles }, (_, i) => ({
    name: `role${i}`,
    permissions: [...new Set(Array.from({ length: perRole }, () => pick(perms)))],
    parent: i > 0 && i % 5 === 0 ? `role${i - 1}` : undefined,
  }));
  const users = Array.from({ length: shape.users }, (_, i) => ({
    id: `u${i}`,
    roles: [
      ...new Set(
        Array.from(
          { length: 1 + Math.floor(random() * 3) },
          () => `role${Math.floor(random() * shape.roles)}`,
        ),
      ),
    ],
  }));
  const rbac = Array.from({ length: REQUESTS }, () => {
    const [type = '', action = ''] = pick(perms).split(':');
    return { user: `u${Math.floor(random() * shape.users)}`, type, action };
  });
  const owner = Array.from({ length: REQUESTS }, () => {
    const user = `u${Math.floor(random() * shape.users)}`;
    return { user, type: pick(perms).split(':')[0] ?? '', owner: random() < 0.5 ? user : 'someone-else' };
  });
  return { perms, roles, users, rbac, owner };
}

interface Result {
  perSecond: number;
  p50: number;
  p99: number;
  allowed: number;
}

/**
 * Throughput: the median of ROUNDS runs of DURATION_MS each (the machine is shared; one run can be
 * hit by another process). Latency: single calls timed with hrtime for up to DURATION_MS.
 */
function measure(decide: (i: number) => boolean): Result {
  const mask = REQUESTS - 1;
  gc();
  const warm = performance.now();
  for (let i = 0; performance.now() - warm < 300; i++) decide(i & mask);
  const rounds: number[] = [];
  let n = 0;
  let allowed = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let count = 0;
    const start = performance.now();
    let now = start;
    while (now - start < DURATION_MS) {
      for (let i = 0; i < 100; i++, n++, count++) if (decide(n & mask)) allowed++;
      now = performance.now();
    }
    rounds.push(count / ((now - start) / 1000));
  }
  rounds.sort((a, b) => a - b);
  const perSecond = rounds[Math.floor(ROUNDS / 2)]!;
  const max = Math.min(200_000, Math.max(1000, Math.round(perSecond * (DURATION_MS / 1000))));
  const samples = new Float64Array(max);
  const sampleStart = performance.now();
  let taken = 0;
  for (; taken < max; taken++) {
    const t0 = process.hrtime.bigint();
    decide(taken & mask);
    samples[taken] = Number(process.hrtime.bigint() - t0);
    if ((taken & 1023) === 0 && performance.now() - sampleStart > DURATION_MS) break;
  }
  const sorted = samples.subarray(0, Math.max(1, taken)).sort();
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { perSecond, p50: pct(0.5), p99: pct(0.99), allowed: allowed / n };
}

function gatehouse(data: Dataset, withOwner: boolean): (i: number) => boolean {
  const doc = {
    version: 1,
    roles: data.roles.map((r) => ({
      name: r.name,
      permissions: r.permissions,
      ...(r.parent === undefined ? {} : { inherits: [r.parent] }),
    })),
    bindings: data.users.map((u) => ({ subject: `user:${u.id}`, roles: u.roles })),
    rules: withOwner
      ? [
          {
            id: 'owners-manage',
            effect: 'allow',
            permissions: ['*:manage'],
            condition: 'resource.properties.ownerID == subject.id',
          },
        ]
      : [],
  };
  const engine = PolicyEngine.fromString(JSON.stringify(doc), 'bench.json');
  const requests: EvaluationRequest[] = withOwner
    ? data.owner.map((r) => ({
        subject: { type: 'user', id: r.user },
        resource: { type: r.type, id: 'r1', properties: { ownerID: r.owner } },
        action: { name: 'manage' },
      }))
    : data.rbac.map((r) => ({
        subject: { type: 'user', id: r.user },
        resource: { type: r.type, id: 'r1' },
        action: { name: r.action },
      }));
  return (i) => engine.evaluate(requests[i]!).decision;
}

async function casbin(data: Dataset): Promise<(i: number) => boolean> {
  const model = newModelFromString(`
[request_definition]
r = sub, obj, act
[policy_definition]
p = sub, obj, act
[role_definition]
g = _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
`);
  const lines: string[] = [];
  for (const role of data.roles) {
    for (const p of role.permissions) {
      const [type, action] = p.split(':');
      lines.push(`p, ${role.name}, ${type}, ${action}`);
    }
    // role i inherits role i-1: holders of role i hold role i-1 too.
    if (role.parent !== undefined) lines.push(`g, ${role.name}, ${role.parent}`);
  }
  for (const user of data.users) for (const r of user.roles) lines.push(`g, ${user.id}, ${r}`);
  const enforcer = await newEnforcer(model, new StringAdapter(lines.join('\n')));
  return (i) => {
    const r = data.rbac[i]!;
    return enforcer.enforceSync(r.user, r.type, r.action);
  };
}

function casl(data: Dataset, withOwner: boolean): (i: number) => boolean {
  const byRole = new Map(data.roles.map((r) => [r.name, r]));
  const abilities = new Map<string, MongoAbility>();
  for (const user of data.users) {
    const rules: { action: string; subject: string; conditions?: Record<string, unknown> }[] = [];
    const seen = new Set<string>();
    const visit = (name: string | undefined) => {
      if (name === undefined || seen.has(name)) return;
      seen.add(name);
      const role = byRole.get(name)!;
      for (const p of role.permissions) {
        const [subject = '', action = ''] = p.split(':');
        rules.push({ action, subject });
      }
      visit(role.parent);
    };
    for (const r of user.roles) visit(r);
    if (withOwner) rules.push({ action: 'manage', subject: 'all', conditions: { ownerID: user.id } });
    abilities.set(user.id, createMongoAbility(rules));
  }
  if (!withOwner) {
    return (i) => {
      const r = data.rbac[i]!;
      return abilities.get(r.user)!.can(r.action, r.type);
    };
  }
  // CASL checks conditions on subject instances tagged with their type.
  const objects = data.owner.map((r) => {
    const object = { ownerID: r.owner };
    Object.defineProperty(object, '__caslSubjectType__', { value: r.type });
    return object;
  });
  return (i) => {
    const r = data.owner[i]!;
    // biome-ignore lint/suspicious/noExplicitAny: CASL's subject typing for tagged plain objects
    return abilities.get(r.user)!.can('manage', objects[i] as any);
  };
}

function cedarEngine(data: Dataset, withOwner: boolean): (i: number) => boolean {
  const policies: string[] = [];
  for (const role of data.roles) {
    for (const p of role.permissions) {
      const [type, action] = p.split(':');
      policies.push(
        `permit(principal in Role::"${role.name}", action == Action::"${action}", resource == Res::"${type}");`,
      );
    }
  }
  if (withOwner)
    policies.push(
      'permit(principal, action == Action::"manage", resource) when { resource.owner == principal };',
    );
  const id = withOwner ? 'owner' : 'rbac';
  const parsed = cedar.preparsePolicySet(id, { staticPolicies: policies.join('\n') });
  if (parsed.type !== 'success') throw new Error(`cedar policies: ${JSON.stringify(parsed)}`);
  const byRole = new Map(data.roles.map((r) => [r.name, r]));
  const roleEntity = (name: string) => {
    const parent = byRole.get(name)?.parent;
    // role i inherits role i-1: members of role i are (transitively) in role i-1.
    return {
      uid: { type: 'Role', id: name },
      attrs: {},
      parents: parent === undefined ? [] : [{ type: 'Role', id: parent }],
    };
  };
  const slices = new Map<string, cedar.EntityJson[]>();
  for (const user of data.users) {
    const roles = new Set<string>();
    const visit = (name: string | undefined) => {
      if (name === undefined || roles.has(name)) return;
      roles.add(name);
      visit(byRole.get(name)?.parent);
    };
    for (const r of user.roles) visit(r);
    slices.set(user.id, [
      {
        uid: { type: 'User', id: user.id },
        attrs: {},
        parents: user.roles.map((r) => ({ type: 'Role', id: r })),
      },
      ...[...roles].map(roleEntity),
    ]);
  }
  const decide = (
    principal: string,
    action: string,
    resource: { type: string; id: string },
    extra: cedar.EntityJson[],
  ) => {
    const answer = cedar.statefulIsAuthorized({
      principal: { type: 'User', id: principal },
      action: { type: 'Action', id: action },
      resource,
      context: {},
      preparsedPolicySetId: id,
      entities: [...slices.get(principal)!, ...extra],
    });
    if (answer.type !== 'success') throw new Error(JSON.stringify(answer));
    return answer.response.decision === 'allow';
  };
  if (!withOwner) {
    return (i) => {
      const r = data.rbac[i]!;
      return decide(r.user, r.action, { type: 'Res', id: r.type }, []);
    };
  }
  return (i) => {
    const r = data.owner[i]!;
    const resource = { type: 'Res', id: `${r.type}-r1` };
    return decide(r.user, 'manage', resource, [
      { uid: resource, attrs: { owner: { __entity: { type: 'User', id: r.owner } } }, parents: [] },
    ]);
  };
}

const shapes: Shape[] = [
  { name: 'large', users: 1000, roles: 100, permissions: 1000 },
  { name: 'small', users: 100, roles: 10, permissions: 20 },
];

console.log('\n=== authorization engines side by side (in process) ===');
console.log(
  `${new Date().toISOString()} · ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}) · node ${process.version} · decisions/s = median of ${ROUNDS} × ${DURATION_MS / 1000} s · load avg ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `${'set'.padEnd(6)} ${'engine'.padEnd(34)} ${'decisions/s'.padStart(13)} ${'p50 ns'.padStart(9)} ${'p99 ns'.padStart(10)} ${'allowed'.padStart(8)}`,
);
const results: Record<string, number> = {};
for (const shape of shapes) {
  const data = dataset(shape);
  const rows: [string, () => Promise<(i: number) => boolean> | ((i: number) => boolean)][] = [
    ['gatehouse RBAC', () => gatehouse(data, false)],
    ['gatehouse RBAC + CEL owner', () => gatehouse(data, true)],
    ['casbin enforceSync RBAC', () => casbin(data)],
    ['CASL prebuilt ability RBAC', () => casl(data, false)],
    ['CASL prebuilt ability + owner', () => casl(data, true)],
    ['Cedar wasm RBAC', () => cedarEngine(data, false)],
    ['Cedar wasm + owner', () => cedarEngine(data, true)],
  ];
  for (const [name, build] of rows) {
    const decide = await build();
    const r = measure(decide);
    results[`${shape.name} ${name}`] = r.perSecond;
    console.log(
      `${shape.name.padEnd(6)} ${name.padEnd(34)} ${Math.round(r.perSecond).toLocaleString('en-US').padStart(13)} ${String(r.p50).padStart(9)} ${String(r.p99).padStart(10)} ${`${Math.round(r.allowed * 100)}%`.padStart(8)}`,
    );
  }
}
const ratio = (a: string, b: string) => (results[a]! / results[b]!).toFixed(1);
console.log(
  `large: gatehouse RBAC = ${ratio('large gatehouse RBAC', 'large casbin enforceSync RBAC')}× casbin, ${ratio('large gatehouse RBAC', 'large CASL prebuilt ability RBAC')}× CASL prebuilt, ${ratio('large gatehouse RBAC', 'large Cedar wasm RBAC')}× Cedar`,
);
