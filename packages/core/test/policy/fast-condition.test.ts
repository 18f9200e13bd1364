import { CelScalar, celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FALL_BACK, fastCondition } from '../../src/policy/fast-condition.ts';

const env = celEnv({
  variables: {
    subject: CelScalar.DYN,
    resource: CelScalar.DYN,
    action: CelScalar.DYN,
    context: CelScalar.DYN,
  },
});

describe('the == shortcut always agrees with CEL', () => {
  const value = fc.oneof(
    fc.string({ maxLength: 3 }),
    fc.integer({ min: -2, max: 2 }),
    fc.boolean(),
    fc.constant(null),
  );
  const bag = fc.dictionary(fc.constantFrom('id', 'ownerID', 'x'), value, { maxKeys: 3 });
  const bindings = fc.record({
    subject: fc.record({
      id: fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: 0, max: 2 })),
      properties: bag,
    }),
    resource: fc.record({ id: fc.string({ maxLength: 3 }), properties: bag }),
    action: fc.record({ name: fc.string({ maxLength: 3 }), properties: bag }),
    context: bag,
  });

  for (const source of [
    'resource.properties.ownerID == subject.id',
    'subject.properties.x == resource.properties.x',
    'resource.properties.ownerID == "a"',
    '"a" == context.x',
  ]) {
    it(source, () => {
      const parsed = parse(source);
      const fast = fastCondition(parsed);
      expect(fast).toBeDefined();
      const full = plan(env, parsed) as (b: unknown) => unknown;
      fc.assert(
        fc.property(bindings, (b) => {
          const quick = fast!(b as Record<string, unknown>);
          if (quick === FALL_BACK) return;
          const result = full(b);
          expect(isCelError(result)).toBe(false);
          expect(quick).toBe(result);
        }),
        { numRuns: 2000 },
      );
    });
  }

  it('other shapes take no shortcut', () => {
    for (const source of [
      'has(resource.properties.x)',
      'subject.id != resource.id',
      'resource.properties.x == 1',
      'a.b == c.d && true',
    ]) {
      expect(fastCondition(parse(source)), source).toBeUndefined();
    }
  });
});
