import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type BatchSemantic,
  type EvaluationRequest,
  evaluateInOrder,
  loadPolicyDir,
  PolicyEngine,
  PolicyError,
  parsePolicyCases,
  runPolicyCases,
} from '../../src/index.ts';

const examples = resolve(fileURLToPath(new URL('../../../../examples/policies', import.meta.url)));

function loadError(source: string, file = 'p.yaml'): PolicyError {
  try {
    PolicyEngine.fromString(source, file);
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

const req = (
  subject: string,
  action: string,
  resource: string,
  properties?: Record<string, unknown>,
  context?: Record<string, unknown>,
): EvaluationRequest => {
  const [st = '', sid = ''] = subject.split(':');
  const [rt = '', rid = ''] = resource.split(':');
  return {
    subject: { type: st, id: sid },
    resource: { type: rt, id: rid, ...(properties === undefined ? {} : { properties }) },
    action: { name: action },
    ...(context === undefined ? {} : { context }),
  };
};

describe('notes example (examples/policies)', async () => {
  const engine = await loadPolicyDir(examples);
  const file = join(examples, 'notes.test.yaml');
  const results = runPolicyCases(engine, parsePolicyCases(readFileSync(file, 'utf8'), file), file);
  it('has cases', () => expect(results.length).toBeGreaterThanOrEqual(15));
  for (const result of results) {
    it(`${result.name} (line ${result.line})`, () => {
      expect({ decision: result.actual.decision, reason: result.actual.reason }).toMatchObject(
        result.expected,
      );
    });
  }

  it('explains a decision: rules evaluated in order with their outcome', () => {
    const d = engine.evaluate(req('user:mona', 'delete', 'notes:n-2', { ownerID: 'bob', archived: true }));
    expect(d).toMatchObject({ decision: false, reason: 'denied' });
    expect(d.trace).toEqual([{ rule: 'archived-notes-read-only', effect: 'deny', matched: true }]);
    expect(d.policyVersion).toMatch(/^v1-[0-9a-f]{12}$/);
    const own = engine.evaluate(req('user:alice', 'delete', 'notes:n-1', { ownerID: 'alice' }));
    expect(own.trace).toEqual([
      { rule: 'archived-notes-read-only', effect: 'deny', matched: false },
      { rule: 'authors-edit-own-notes', effect: 'allow', matched: true },
    ]);
    const mod = engine.evaluate(req('user:mona', 'delete', 'notes:n-2', { ownerID: 'bob' }));
    expect(mod.trace.at(-1)).toEqual({ rule: 'role:moderator', effect: 'allow', matched: true });
  });
});

const base = `
version: 1
roles:
  - name: viewer
    permissions: [records:read]
  - name: editor
    inherits: [viewer]
    permissions: [records:write]
  - name: admin
    permissions: ['*']
bindings:
  - { subject: 'user:alice', roles: [viewer] }
  - { subject: 'user:bob', roles: [viewer] }
  - { subject: 'user:carol', roles: [editor] }
  - { subject: 'user:root', roles: [admin] }
`;

describe('AZ-01 fixture evaluations at engine level', () => {
  const engine = PolicyEngine.fromString(`${base}
resources:
  records: { actions: [read, write, delete] }
rules:
  - id: admins-by-property
    effect: allow
    actions: [delete]
    resource: records
    condition: has(subject.properties.role) && subject.properties.role == 'admin'
  - id: soft-delete-by-owner
    effect: allow
    actions: [delete]
    resource: records
    condition: resource.properties.owner == subject.id && has(action.properties.method) && action.properties.method == 'soft'
  - id: archived-records-frozen
    effect: deny
    actions: [write, delete]
    resource: records
    condition: has(resource.properties.archived) && resource.properties.archived
`);
  it('alice/read/record-1 permits; bob/write/record-1 denies', () => {
    expect(engine.evaluate(req('user:alice', 'read', 'records:record-1')).decision).toBe(true);
    expect(engine.evaluate(req('user:bob', 'write', 'records:record-1')).decision).toBe(false);
  });
  it('deny based on resource properties (archived record)', () => {
    expect(engine.evaluate(req('user:carol', 'write', 'records:r', { archived: false })).decision).toBe(true);
    expect(engine.evaluate(req('user:carol', 'write', 'records:r', { archived: true }))).toMatchObject({
      decision: false,
      reason: 'denied',
    });
  });
  it('permit based on subject properties (admin subject)', () => {
    const r = req('user:alice', 'delete', 'records:r');
    expect(engine.evaluate(r).decision).toBe(false);
    expect(engine.evaluate({ ...r, subject: { ...r.subject, properties: { role: 'admin' } } }).decision).toBe(
      true,
    );
  });
  it('permit/deny based on action properties (soft versus hard delete)', () => {
    const r = req('user:alice', 'delete', 'records:r', { owner: 'alice' });
    expect(
      engine.evaluate({ ...r, action: { name: 'delete', properties: { method: 'soft' } } }).decision,
    ).toBe(true);
    expect(
      engine.evaluate({ ...r, action: { name: 'delete', properties: { method: 'hard' } } }).decision,
    ).toBe(false);
  });
});

describe('AZ-02 fail closed', () => {
  const engine = PolicyEngine.fromString(`${base}
rules:
  - id: allow-on-error
    effect: allow
    actions: [share]
    resource: records
    condition: resource.properties.missing == 'x'
  - id: divide
    effect: allow
    actions: [export]
    resource: records
    condition: 1 / context.zero == 1
  - id: type-error
    effect: allow
    actions: [export]
    resource: records
    condition: context.zero + 'x' == 'y'
  - id: not-a-bool
    effect: allow
    actions: [export]
    resource: records
    condition: context.zero
  - id: deny-on-error
    effect: deny
    actions: [read]
    resource: records
    condition: resource.properties.classification == 'secret'
`);
  it('unknown subject, resource type, action: false', () => {
    expect(
      engine.evaluate(req('user:nobody', 'read', 'records:1', { classification: 'public' })),
    ).toMatchObject({
      decision: false,
      reason: 'no_match',
    });
    expect(engine.evaluate(req('service:root', 'read', 'records:1')).decision).toBe(false);
    expect(engine.evaluate(req('user:root', 'read', 'planets:1')).decision).toBe(false);
    expect(engine.evaluate(req('user:root', 'Read!', 'records:1')).decision).toBe(false);
  });
  it('an erroring allow rule (missing attribute) does not allow', () => {
    const d = engine.evaluate(req('user:alice', 'share', 'records:1'));
    expect(d).toMatchObject({ decision: false, reason: 'error' });
    expect(d.trace[0]).toMatchObject({ rule: 'allow-on-error', matched: false, error: expect.any(String) });
  });
  it('CEL runtime error, type error and non-bool result do not allow', () => {
    const d = engine.evaluate(req('user:alice', 'export', 'records:1', {}, { zero: 0 }));
    expect(d).toMatchObject({ decision: false, reason: 'error' });
    expect(d.trace.map((t) => [t.rule, t.error !== undefined])).toEqual([
      ['divide', true],
      ['type-error', true],
      ['not-a-bool', true],
    ]);
  });
  it('an erroring deny rule denies even an RBAC grant, even for the admin', () => {
    expect(engine.evaluate(req('user:root', 'read', 'records:1'))).toMatchObject({
      decision: false,
      reason: 'error',
    });
    expect(
      engine.evaluate(req('user:root', 'read', 'records:1', { classification: 'public' })).decision,
    ).toBe(true);
  });
  it('non-JSON attribute values fail closed, never throw', () => {
    const weird = { classification: Symbol('x') } as unknown as Record<string, unknown>;
    expect(engine.evaluate(req('user:root', 'read', 'records:1', weird)).decision).toBe(false);
  });
});

describe('AZ-03 malformed requests are denied, never evaluated', () => {
  const engine = PolicyEngine.fromString(`${base}`);
  const good = req('user:root', 'read', 'records:1');
  const bad: unknown[] = [
    undefined,
    null,
    [],
    'request',
    {},
    { resource: good.resource, action: good.action },
    { subject: good.subject, action: good.action },
    { subject: good.subject, resource: good.resource },
    { ...good, subject: { id: 'root' } },
    { ...good, subject: { type: 'user' } },
    { ...good, resource: { id: '1' } },
    { ...good, resource: { type: 'records' } },
    { ...good, action: {} },
    { ...good, action: { name: 7 } },
    { ...good, subject: 'user:root' },
    { ...good, context: [] },
  ];
  it.each(bad.map((b, i) => [i, b]))('case %i', (_i, body) => {
    const d = engine.evaluate(body as EvaluationRequest);
    expect(d).toMatchObject({ decision: false, reason: 'error' });
    expect(d.trace[0]?.rule).toBe('request');
  });
});

describe('AZ-04 unknown fields are ignored; repeats are identical', () => {
  const engine = PolicyEngine.fromString(base);
  it('same decision with extra fields everywhere, five times over', () => {
    const plain = engine.evaluate(req('user:carol', 'write', 'records:1'));
    const extra = {
      ...req('user:carol', 'write', 'records:1'),
      extra: 1,
      subject: { type: 'user', id: 'carol', nick: 'c' },
      resource: { type: 'records', id: '1', colour: 'red' },
      action: { name: 'write', verb: 'POST' },
    } as EvaluationRequest;
    for (let i = 0; i < 5; i++) expect(engine.evaluate(extra)).toEqual(plain);
  });
});

describe('AZ-06 batch semantics over the engine', () => {
  const engine = PolicyEngine.fromString(base);
  const allow = req('user:carol', 'write', 'records:1');
  const deny = req('user:alice', 'write', 'records:1');
  const batch = (items: EvaluationRequest[], semantic: BatchSemantic = 'execute_all') =>
    evaluateInOrder(items, semantic, (item) => engine.evaluate(item));
  it('execute_all answers every item in order; the short-circuit semantics truncate', async () => {
    const items = [allow, deny, allow, deny];
    const decisions = async (semantic: BatchSemantic, list = items) =>
      (await batch(list, semantic)).map((d) => d.decision);
    expect(await decisions('execute_all')).toEqual([true, false, true, false]);
    expect(await decisions('deny_on_first_deny')).toEqual([true, false]);
    expect(await decisions('permit_on_first_permit', [deny, allow, deny])).toEqual([false, true]);
  });
  it('a batch item without a subject is denied, the rest still answered', async () => {
    const { subject: _s, ...noSubject } = allow;
    const out = await batch([noSubject as EvaluationRequest, allow]);
    expect(out.map((d) => [d.decision, d.reason])).toEqual([
      [false, 'error'],
      [true, 'allowed'],
    ]);
  });
});

describe('AZ-07 permissions are never cached across policies', () => {
  it('removing a binding takes effect on the next engine, with a new policy version', () => {
    const before = PolicyEngine.fromString(`${base}  - { subject: 'user:u1', roles: [editor] }\n`);
    const after = PolicyEngine.fromString(base);
    const r = req('user:u1', 'write', 'records:1');
    expect(before.evaluate(r).decision).toBe(true);
    expect(after.evaluate(r).decision).toBe(false);
    expect(before.policyVersion).not.toBe(after.policyVersion);
  });
});

describe('scopes', () => {
  const engine = PolicyEngine.fromString(`${base}
  - { subject: 'user:t', tenant: acme, roles: [editor] }
  - { subject: 'user:p', resource: 'records:42', roles: [editor] }
`);
  it('tenant bindings apply only to resources of that tenant', () => {
    expect(engine.evaluate(req('user:t', 'write', 'records:1', { tenant: 'acme' })).decision).toBe(true);
    expect(engine.evaluate(req('user:t', 'read', 'records:1', { tenant: 'globex' })).decision).toBe(false);
    expect(engine.evaluate(req('user:t', 'read', 'records:1')).decision).toBe(false);
    expect(engine.evaluate(req('user:t', 'read', 'records:1', { tenant: ['acme'] })).decision).toBe(false);
  });
  it('resource bindings apply only to that resource', () => {
    expect(engine.evaluate(req('user:p', 'write', 'records:42')).decision).toBe(true);
    expect(engine.evaluate(req('user:p', 'read', 'records:43')).decision).toBe(false);
  });
});

describe('load-time validation', () => {
  it('rejects inheritance cycles with the file and line', () => {
    const e = loadError(
      'version: 1\nroles:\n  - name: a\n    inherits: [b]\n  - name: b\n    inherits: [c]\n  - name: c\n    inherits: [a]\n',
    );
    expect(e.message).toMatch(/^p\.yaml:3:5: role inheritance cycle: a -> b -> c -> a$/m);
  });
  it('rejects a self-inheriting role and unknown parents', () => {
    expect(loadError('version: 1\nroles:\n  - name: a\n    inherits: [a]\n').message).toContain(
      'cycle: a -> a',
    );
    expect(loadError('version: 1\nroles:\n  - name: a\n    inherits: [zz]\n').message).toContain(
      'inherits unknown role "zz"',
    );
  });
  it('reports a CEL syntax error with file, line and rule id', () => {
    const e = loadError(
      'version: 1\nrules:\n  - id: broken\n    effect: allow\n    actions: [read]\n    condition: subject.id ==\n',
      'policies/x.yaml',
    );
    expect(e.issues[0]).toMatchObject({ file: 'policies/x.yaml', line: 6, ruleId: 'broken' });
    expect(e.message).toMatch(/^policies\/x\.yaml:6:16: rule "broken": condition does not compile/);
  });
  it('reports bad fields precisely', () => {
    const e = loadError(
      [
        'version: 2',
        'roles:',
        '  - name: Bad Name',
        '    permissions: [notes:read:all]',
        'bindings:',
        '  - subject: alice',
        '    roles: [ghost]',
        'rules:',
        '  - id: r1',
        '    effect: maybe',
        '    actions: [read]',
        '    colour: red',
        '  - id: r1',
        '    effect: deny',
        '    permissions: [notes:read]',
        'extra: true',
      ].join('\n'),
    );
    const lines = e.issues.map(
      (i) => `${i.line}${i.ruleId === undefined ? '' : `/${i.ruleId}`}: ${i.message}`,
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        '1: version must be 1',
        '3: role name "Bad Name" is malformed',
        '4: invalid permission "notes:read:all" (expected resource:action)',
        '6: subject (type:id) "alice" is malformed',
        '10/r1: effect must be "allow" or "deny"',
        '12/r1: unknown field "colour"',
        '13/r1: duplicate rule id',
        '16: unknown field "extra"',
      ]),
    );
  });
  it('rejects unknown roles in bindings and rules, and YAML syntax errors', () => {
    expect(loadError('version: 1\nbindings:\n  - { subject: "user:a", roles: [ghost] }\n').message).toContain(
      'p.yaml:3:5: binding of user:a names unknown role "ghost"',
    );
    expect(loadError('version: 1\nroles: [\n').issues[0]?.file).toBe('p.yaml');
  });
  it('reads JSON documents with line numbers too', () => {
    const e = loadError(
      '{\n  "version": 1,\n  "rules": [\n    { "id": "j", "effect": "allow" }\n  ]\n}',
      'p.json',
    );
    expect(e.message).toBe('p.json:4:5: rule "j": a rule needs "actions" or "permissions"');
    const ok = PolicyEngine.fromString(
      JSON.stringify({
        version: 1,
        roles: [{ name: 'r', permissions: ['a:b'] }],
        bindings: [{ subject: 'u:1', roles: ['r'] }],
      }),
      'ok.json',
    );
    expect(ok.evaluate(req('u:1', 'b', 'a:x')).decision).toBe(true);
  });
  it('loads a directory: every yaml/yml/json, duplicates across files rejected, issues from every file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'policy-'));
    try {
      await writeFile(join(dir, 'a.yaml'), 'version: 1\nroles:\n  - { name: r, permissions: [a:b] }\n');
      await writeFile(join(dir, 'b.yml'), 'version: 1\nbindings:\n  - { subject: "u:1", roles: [r] }\n');
      await writeFile(
        join(dir, 'c.json'),
        '{"version": 1, "rules": [{"id": "x", "effect": "deny", "actions": ["c"]}]}',
      );
      await writeFile(join(dir, 'c.test.yaml'), 'cases: []\n');
      const engine = await loadPolicyDir(dir);
      expect(engine.stats).toMatchObject({ roles: 1, rules: 1, subjects: 1 });
      await writeFile(join(dir, 'd.yaml'), 'version: 1\nroles:\n  - { name: r, permissions: [a:c] }\n');
      await writeFile(join(dir, 'e.yaml'), 'version: 3\n');
      const error = await loadPolicyDir(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PolicyError);
      expect((error as PolicyError).message).toContain('e.yaml:1:10: version must be 1');
      await rm(join(dir, 'e.yaml'));
      const dup = await loadPolicyDir(dir).catch((e: unknown) => e);
      expect((dup as PolicyError).message).toMatch(/d\.yaml:3:5: role "r" is already defined at .*a\.yaml:3/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
