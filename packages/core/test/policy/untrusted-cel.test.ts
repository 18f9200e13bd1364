import { parse } from '@bufbuild/cel';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CEL_COST, PolicyEngine, PolicyError } from '../../src/index.ts';
import { rootExpr } from '../../src/policy/cel-check.ts';
import { estimateCost } from '../../src/policy/cel-cost.ts';
import { parseAttributeType, typeName } from '../../src/policy/cel-types.ts';
import { celCondition, NOTES_SCHEMA, notesRequest } from './cel-grammar.ts';

const policy = (conditions: string[]) => `version: 1
${NOTES_SCHEMA}roles:
  - name: reader
    permissions: []
bindings:
  - subject: user:alice
    roles: [reader]
  - subject: user:a
    roles: [reader]
rules:
${conditions
  .map(
    (c, i) => `  - id: rule-${i}
    effect: allow
    resource: notes
    actions: [read]
    condition: ${JSON.stringify(c)}
`,
  )
  .join('')}`;

const refusal = (source: string): string => {
  try {
    PolicyEngine.fromString(source, 'notes.yaml');
  } catch (error) {
    if (error instanceof PolicyError) return error.message;
    throw error;
  }
  return 'accepted';
};

const request = (properties: Record<string, unknown>, context: Record<string, unknown> = {}) => ({
  subject: { type: 'user', id: 'alice' },
  resource: { type: 'notes', id: 'n1', properties },
  action: { name: 'read' },
  context,
});

describe('issue 25 #5: policy CEL is untrusted input', () => {
  it('issue 25 #5: a condition that does not type-check against the declared attributes is refused with the reason', () => {
    const message = refusal(policy(['resource.properties.ownerID + 1 == 2']));
    expect(message).toMatch(
      /^notes\.yaml:\d+:\d+: rule "rule-0": condition: type error: no matching overload/,
    );
    expect(message).toContain("'_+_' applied to (string, int)");
    expect(refusal(policy(['resource.properties.ownerID == 1']))).toContain(
      "'_==_' applied to (string, int)",
    );
    expect(refusal(policy(['resource.properties.tags.exists(t, t > 1)']))).toContain('(string, int)');
    expect(refusal(policy(['resource.properties.level']))).toContain('yields int, not bool');
    expect(refusal(policy(['resource.owner == subject.id']))).toContain(
      'resource has no declared attribute "owner"',
    );
    // Undeclared attributes are dyn (checked when evaluated) unless the type is strict.
    expect(refusal(policy(['resource.properties.owner == subject.id']))).toBe('accepted');
    const strict = policy(['resource.properties.owner == subject.id']).replace(
      '    actions: [read]\n    attributes:',
      '    actions: [read]\n    strict: true\n    attributes:',
    );
    expect(refusal(strict)).toContain('notes properties has no declared attribute "owner"');
    // A malformed declaration is a document error.
    expect(refusal(policy(['true']).replace('level: int', 'level: integer'))).toContain(
      'attribute "level" has an unknown type "integer"',
    );
    // Well-typed conditions load.
    for (const ok of [
      'resource.properties.ownerID == subject.id',
      'resource.properties.tags.exists(t, t == "x") && resource.properties.level < 3',
      'has(resource.properties.archived) && !resource.properties.archived',
      '"x" in resource.properties.tags',
    ])
      expect(refusal(policy([ok]))).toBe('accepted');
  });

  it('issue 25 #5: declared types hold at evaluation: ints are CEL ints, a mismatched attribute fails closed', () => {
    const engine = PolicyEngine.fromString(
      policy(['resource.properties.level + 1 == 3 && resource.properties.tags.all(t, t != "x")']),
      'notes.yaml',
    );
    expect(engine.evaluate(request({ level: 2, tags: ['a'] }))).toMatchObject({ decision: true });
    expect(engine.evaluate(request({ level: 3, tags: ['a'] }))).toMatchObject({
      decision: false,
      reason: 'no_match',
    });
    for (const properties of [
      { level: 2.5 },
      { level: '2' },
      { level: 2, tags: ['a', 1] },
      { level: 2, tags: 'a' },
    ]) {
      const decision = engine.evaluate(request(properties));
      expect(decision, JSON.stringify(properties)).toMatchObject({ decision: false, reason: 'error' });
      expect(decision.trace[0]?.error).toMatch(
        /^resource attribute "(level|tags)" is not a (int|list<string>)$/,
      );
    }
  });

  it('issue 25 #5: attribute types as documents declare them', () => {
    for (const [text, name] of [
      ['string', 'string'],
      ['list<string>', 'list<string>'],
      ['map<string, list<int>>', 'map<string, list<int>>'],
      [' list < map<string,bool> > ', 'list<map<string, bool>>'],
      ['double', 'double'],
    ] as const) {
      const t = parseAttributeType(text);
      expect(t && typeName(t), text).toBe(name);
    }
    // What JSON cannot carry is not declarable.
    for (const bad of [
      'timestamp',
      'bytes',
      'uint',
      'map<int, bool>',
      'str',
      'list',
      'list<>',
      'map<list<int>, int>',
      'list<int',
      'int>',
      'list<list<list<list<list<list<int>>>>>>',
    ])
      expect(parseAttributeType(bad), bad).toBeUndefined();
  });

  it('issue 25 #5: an expensive condition is refused at load with its estimated cost', () => {
    const tooDear = [
      // Nested loops over request lists multiply.
      'context.l.exists(x, context.l.exists(y, x == y))',
      'resource.properties.tags.all(t, resource.properties.tags.exists(u, u == t))',
      // Comparing request lists item by item, inside a loop.
      'context.l.all(x, context.m == context.n)',
      // A regex inside a loop, over a request string.
      'context.l.exists(x, context.s.matches("(a|b)*c"))',
      // A regex whose pattern comes from the request.
      'resource.properties.ownerID.matches(context.s)',
      // map/filter over a request list: the accumulated list is copied per item.
      'context.l.map(x, x + x).size() > 0',
      // Strings built up inside a loop and scanned.
      'context.l.exists(x, (context.s + context.s + context.s).contains(x))',
    ];
    for (const condition of tooDear) {
      const message = refusal(policy([condition]));
      expect(message, condition).toMatch(
        /rule "rule-0": condition: estimated worst-case cost \d+ exceeds the limit of 50000 units/,
      );
    }
  });

  it('issue 25 #5: a request that is expensive at run time stays within the decision budget and is denied, counted', () => {
    // Forty rules each within the per-condition limit: together, over a long list, they would
    // spend more than one decision may. The last would allow; the budget stops the decision first.
    const conditions = Array.from({ length: 40 }, (_, i) => `context.l.exists(x, x == "never-${i}")`);
    conditions.push('true');
    const engine = PolicyEngine.fromString(policy(conditions), 'notes.yaml');
    const small = engine.evaluate(request({ ownerID: 'alice' }, { l: ['a'] }));
    expect(small).toMatchObject({ decision: true, reason: 'allowed' });
    expect(engine.counters).toEqual({ evaluationErrors: 0, budgetExceeded: 0 });

    const big = engine.evaluate(
      request({ ownerID: 'alice' }, { l: Array.from({ length: 1990 }, (_, i) => `v${i}`) }),
    );
    expect(big.decision).toBe(false);
    expect(big.reason).toBe('error');
    expect(big.cost).toBeLessThanOrEqual(CEL_COST.maxDecisionCost + 1);
    expect(big.trace.some((t) => t.error?.includes('cost budget exceeded'))).toBe(true);
    // Rules after the budget ran out were not evaluated (no cost) and did not allow.
    expect(big.trace.at(-1)).toMatchObject({ rule: 'rule-40', matched: false });
    expect(engine.counters).toEqual({ evaluationErrors: 1, budgetExceeded: 1 });

    // Attributes past the limits fail closed before any condition runs, and are counted too.
    const long = engine.evaluate(request({ ownerID: 'x'.repeat(CEL_COST.maxStringLength + 1) }));
    expect(long).toMatchObject({ decision: false, reason: 'error' });
    expect(engine.counters.evaluationErrors).toBe(2);
  });

  it('issue 25 #5: comparing a loop element is charged once per loop (elements share the range), and the bound holds', () => {
    const engine = PolicyEngine.fromString(policy(['context.l.exists(x, x == context.m)']), 'notes.yaml');
    const bound = engine.conditionCostBound('rule-0') ?? 0;
    expect(bound).toBeLessThanOrEqual(CEL_COST.maxExpressionCost);
    const big = Array.from({ length: 990 }, (_, i) => `v${i}`);
    for (const [l, m] of [
      [[big], [...big]], // one element as large as the other list: walked once
      [Array.from({ length: 495 }, () => ['a', 'b']), ['a', 'c']], // many small lists
      [Array.from({ length: 1990 }, (_, i) => `s${i}`), 's1989'],
    ] as const) {
      const decision = engine.evaluate(request({}, { l, m }));
      expect(decision.reason).not.toBe('error');
      expect(decision.cost ?? 0).toBeLessThanOrEqual(bound + 1);
    }
    // Two loop-invariant lists compared on every iteration are not amortized: refused.
    expect(refusal(policy(['context.l.exists(x, context.m == context.n)']))).toMatch(
      /estimated worst-case cost/,
    );
  });

  it('issue 25 #5: fuzz: an accepted condition never costs more than its static bound, nor a decision more than the budget; errors deny', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        celCondition,
        fc.array(notesRequest, { minLength: 1, maxLength: 3 }),
        (condition, requests) => {
          let engine: PolicyEngine;
          try {
            engine = PolicyEngine.fromString(policy([condition]), 'fuzz.yaml');
          } catch (error) {
            expect(error).toBeInstanceOf(PolicyError);
            expect((error as PolicyError).message).toMatch(/rule "rule-0": condition: /);
            return;
          }
          accepted++;
          const bound = engine.conditionCostBound('rule-0') ?? Number.NaN;
          expect(bound).toBeLessThanOrEqual(CEL_COST.maxExpressionCost);
          // The declared types only tighten the bound.
          expect(bound).toBeLessThanOrEqual(estimateCost(rootExpr(parse(condition))).cost);
          for (const r of requests) {
            const decision = engine.evaluate(r);
            // One unit to start the condition, then at most its static bound.
            expect(decision.cost ?? 0).toBeLessThanOrEqual(bound + 1);
            expect(decision.cost ?? 0).toBeLessThanOrEqual(CEL_COST.maxDecisionCost);
            if (decision.reason === 'error') expect(decision.decision).toBe(false);
          }
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300), seed: Number(process.env.FUZZ_SEED ?? 2505) },
    );
    // The grammar must not only produce refusals.
    expect(accepted).toBeGreaterThan(30);
  });
});
