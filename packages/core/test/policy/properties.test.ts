import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GrantSet, PolicyEngine, permissionMatches } from '../../src/index.ts';

const segment = fc.constantFrom('notes', 'files', 'users', 'read', 'write', 'delete', 'share');
const grantedSeg = fc.oneof(segment, fc.constant('*'));
const granted = fc.oneof(
  fc.constant('*'),
  fc.tuple(grantedSeg, grantedSeg).map(([r, a]) => `${r}:${a}`),
);
const resourceType = fc.constantFrom('notes', 'files', 'users');
const action = fc.constantFrom('read', 'write', 'delete', 'share');
const subjects = ['u1', 'u2', 'u3'];

interface RuleSpec {
  effect: 'allow' | 'deny';
  permission: string;
  condition: 'none' | 'true' | 'false' | 'error' | 'owner';
}
const conditions: Record<RuleSpec['condition'], string | undefined> = {
  none: undefined,
  true: 'true',
  false: 'false',
  error: 'resource.properties.nope == 1',
  owner: 'resource.properties.owner == subject.id',
};
const ruleSpec = fc.record({
  effect: fc.constantFrom('allow' as const, 'deny' as const),
  permission: granted,
  condition: fc.constantFrom('none', 'true', 'false', 'error', 'owner') as fc.Arbitrary<
    RuleSpec['condition']
  >,
});
const policySpec = fc.record({
  roleA: fc.array(granted, { maxLength: 4 }),
  roleB: fc.array(granted, { maxLength: 4 }),
  bindings: fc.array(fc.tuple(fc.constantFrom(...subjects), fc.constantFrom('a', 'b')), { maxLength: 5 }),
  rules: fc.array(ruleSpec, { maxLength: 5 }),
});
type PolicySpec = typeof policySpec extends fc.Arbitrary<infer T> ? T : never;

function build(spec: PolicySpec): PolicyEngine {
  return PolicyEngine.fromString(
    JSON.stringify({
      version: 1,
      resources: {
        notes: { actions: ['read', 'write', 'delete', 'share'] },
        files: { actions: ['read', 'write', 'delete', 'share'] },
        users: { actions: ['read', 'write', 'delete', 'share'] },
      },
      roles: [
        { name: 'a', permissions: spec.roleA },
        { name: 'b', inherits: ['a'], permissions: spec.roleB },
      ],
      bindings: [
        ...subjects.map((s) => ({ subject: `user:${s}`, roles: [] })),
        ...spec.bindings.map(([s, r]) => ({ subject: `user:${s}`, roles: [r] })),
      ],
      rules: spec.rules.map((r, i) => ({
        id: `r${i}`,
        effect: r.effect,
        permissions: [r.permission],
        ...(conditions[r.condition] === undefined ? {} : { condition: conditions[r.condition] }),
      })),
    }),
    'gen.json',
  );
}

const request = fc.record({
  subject: fc.constantFrom(...subjects),
  type: resourceType,
  action,
  owner: fc.constantFrom(...subjects),
});
const toRequest = (r: { subject: string; type: string; action: string; owner: string }) => ({
  subject: { type: 'user', id: r.subject },
  resource: { type: r.type, id: 'x', properties: { owner: r.owner } },
  action: { name: r.action },
});

describe('policy engine properties', () => {
  it('GrantSet agrees with permissionMatches for every wildcard form', () => {
    fc.assert(
      fc.property(fc.array(granted, { maxLength: 6 }), fc.tuple(segment, segment), (grants, [r, a]) => {
        const requested = `${r}:${a}`;
        const expected = grants.some((g) => permissionMatches(g, requested));
        expect(new GrantSet(grants).has(requested)).toBe(expected);
      }),
    );
  });

  it('a wildcard or malformed request never matches', () => {
    fc.assert(
      fc.property(
        fc.array(granted, { minLength: 1 }),
        fc.constantFrom('*', 'notes:*', '*:read', 'notes:read:x', ''),
        (grants, requested) => {
          expect(new GrantSet(grants).has(requested)).toBe(false);
        },
      ),
    );
  });

  it('default deny: with no roles and no allow rules, nothing is allowed', () => {
    fc.assert(
      fc.property(
        fc.array(
          ruleSpec.map((r) => ({ ...r, effect: 'deny' as const })),
          { maxLength: 4 },
        ),
        request,
        (rules, r) => {
          const engine = build({ roleA: [], roleB: [], bindings: [], rules });
          expect(engine.evaluate(toRequest(r)).decision).toBe(false);
        },
      ),
    );
  });

  it('deny overrides: a matching unconditional deny rule beats every allow', () => {
    fc.assert(
      fc.property(policySpec, request, (spec, r) => {
        const deny: RuleSpec = { effect: 'deny', permission: `${r.type}:${r.action}`, condition: 'none' };
        const engine = build({ ...spec, rules: [...spec.rules, deny], roleA: [...spec.roleA, '*'] });
        expect(engine.evaluate(toRequest(r))).toMatchObject({ decision: false });
      }),
    );
  });

  it('an erroring deny rule denies; an erroring allow rule never allows', () => {
    fc.assert(
      fc.property(
        policySpec,
        request,
        fc.constantFrom('allow' as const, 'deny' as const),
        (spec, r, effect) => {
          const erroring: RuleSpec = { effect, permission: '*', condition: 'error' };
          const without = build(spec).evaluate(toRequest(r)).decision;
          const withIt = build({ ...spec, rules: [...spec.rules, erroring] }).evaluate(toRequest(r)).decision;
          expect(withIt).toBe(effect === 'deny' ? false : without);
        },
      ),
    );
  });

  it('monotonicity: adding an allow (grant or rule) never turns an allow into a deny', () => {
    fc.assert(
      fc.property(
        policySpec,
        request,
        fc.oneof(
          granted.map((g) => ({ grant: g })),
          ruleSpec.map((rule) => ({ rule: { ...rule, effect: 'allow' as const } })),
        ),
        (spec, r, extra) => {
          const before = build(spec).evaluate(toRequest(r)).decision;
          const bigger =
            'grant' in extra
              ? { ...spec, roleA: [...spec.roleA, extra.grant] }
              : { ...spec, rules: [...spec.rules, extra.rule] };
          const after = build(bigger).evaluate(toRequest(r)).decision;
          if (before) expect(after).toBe(true);
        },
      ),
    );
  });

  it('inheritance: a role holding b has every permission of a', () => {
    fc.assert(
      fc.property(fc.array(granted, { maxLength: 4 }), request, (roleA, r) => {
        const engine = build({ roleA, roleB: [], bindings: [[r.subject, 'b']], rules: [] });
        const expected = roleA.some((g) => permissionMatches(g, `${r.type}:${r.action}`));
        expect(engine.evaluate(toRequest(r)).decision).toBe(expected);
      }),
    );
  });

  it('decisions are deterministic and explain themselves', () => {
    fc.assert(
      fc.property(policySpec, request, (spec, r) => {
        const engine = build(spec);
        const a = engine.evaluate(toRequest(r));
        expect(engine.evaluate(toRequest(r))).toEqual(a);
        expect(a.decision).toBe(a.reason === 'allowed');
        if (a.decision) expect(a.trace.at(-1)).toMatchObject({ effect: 'allow', matched: true });
      }),
    );
  });
});
