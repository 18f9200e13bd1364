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

describe('the condition shortcut always agrees with CEL', () => {
  const value = fc.oneof(
    fc.constantFrom('a', 'b', ''),
    fc.integer({ min: -2, max: 2 }),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom({ archived: true }, { archived: 'a' }, { archived: null }, {}),
  );
  const bag = fc.record(
    { id: value, ownerID: value, x: value, archived: value },
    { requiredKeys: [], noNullPrototype: true },
  );
  const bindings = fc.record({
    subject: fc.record({
      id: fc.oneof(fc.constantFrom('a', 'b', ''), fc.integer({ min: 0, max: 2 })),
      properties: bag,
    }),
    resource: fc.record({ id: fc.constantFrom('a', 'b', ''), properties: bag }),
    action: fc.record({ name: fc.constantFrom('a', 'b', ''), properties: bag }),
    context: bag,
  });

  for (const source of [
    'resource.properties.ownerID == subject.id',
    'subject.properties.x == resource.properties.x',
    'resource.properties.ownerID == "a"',
    '"a" == context.x',
    'has(resource.properties.archived) && resource.properties.archived == true',
    'resource.properties.archived == true || resource.properties.ownerID == subject.id',
    '!(resource.properties.ownerID != subject.id) && has(context.x)',
    'resource.properties.archived',
    'has(resource.properties.archived.archived)',
    'false || (true && !resource.properties.x)',
  ]) {
    it(source, () => {
      const parsed = parse(source);
      const fast = fastCondition(parsed);
      expect(fast).toBeDefined();
      const full = plan(env, parsed) as (b: unknown) => unknown;
      let shortcuts = 0;
      fc.assert(
        fc.property(bindings, (b) => {
          const quick = fast!(b as Record<string, unknown>);
          if (quick === FALL_BACK) return;
          shortcuts++;
          const result = full(b);
          expect(isCelError(result)).toBe(false);
          expect(quick).toBe(result);
        }),
        { numRuns: 5000 },
      );
      // The shortcut is really taken, not always declined.
      expect(shortcuts).toBeGreaterThan(5);
    });
  }

  it('other shapes take no shortcut', () => {
    for (const source of [
      'resource.properties.x == 1',
      'size(resource.id) > 0',
      'resource.id.startsWith("a")',
      '[true].all(y, y)',
      'resource.properties.x in ["a"]',
    ]) {
      expect(fastCondition(parse(source)), source).toBeUndefined();
    }
  });
});
