import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isConcretePermission,
  isValidPermission,
  PermissionSet,
  permissionMatches,
} from '../src/permissions.ts';

describe('isValidPermission', () => {
  it.each([
    'notes:read',
    'notes:*',
    '*:read',
    '*:*',
    '*',
    'a.b-c_d:x1',
    `a${'b'.repeat(63)}:read`,
    'billing.invoices:export',
  ])('accepts %j', (permission) => {
    expect(isValidPermission(permission)).toBe(true);
  });

  it.each([
    '',
    'notes',
    'notes:',
    ':read',
    ':',
    'Notes:read',
    'notes:Read',
    'notes:read:extra',
    'notes:re ad',
    ' notes:read',
    'notes:read ',
    '**',
    '*:',
    ':*',
    'no*tes:read',
    'notes:*read',
    'notes:read*',
    '1notes:read',
    '_notes:read',
    `a${'b'.repeat(64)}:read`,
    'notes:read\n',
    'nötes:read',
  ])('rejects %j', (permission) => {
    expect(isValidPermission(permission)).toBe(false);
  });

  it('isConcretePermission accepts valid permissions without wildcards only', () => {
    expect(isConcretePermission('notes:read')).toBe(true);
    for (const p of ['*', 'notes:*', '*:read', '*:*', 'notes', 'Notes:read'])
      expect(isConcretePermission(p)).toBe(false);
  });
});

describe('permissionMatches', () => {
  it.each([
    // granted, requested, expected
    ['notes:read', 'notes:read', true],
    ['notes:read', 'notes:delete', false],
    ['notes:read', 'users:read', false],
    ['notes:*', 'notes:read', true],
    ['notes:*', 'notes:delete', true],
    ['notes:*', 'users:read', false],
    ['notes:*', 'notesx:read', false],
    ['*:read', 'notes:read', true],
    ['*:read', 'users:read', true],
    ['*:read', 'notes:delete', false],
    ['*:*', 'notes:delete', true],
    ['*', 'notes:read', true],
    ['*', 'users:delete', true],
    ['notes:read', 'notes:rea', false],
    ['notes:read', 'notes:reads', false],
    ['note:read', 'notes:read', false],
    ['users:*', 'notes:read', false],
    ['*:write', 'notes:read', false],
  ] as const)('%j grants %j → %s', (granted, requested, expected) => {
    expect(permissionMatches(granted, requested)).toBe(expected);
    expect(new PermissionSet([granted]).has(requested)).toBe(expected);
  });

  it('never matches a malformed grant', () => {
    for (const granted of ['', 'notes', 'garbage']) {
      expect(permissionMatches(granted, 'notes:read')).toBe(false);
      expect(new PermissionSet([granted]).has('notes:read')).toBe(false);
    }
  });

  it('an empty set grants nothing', () => {
    const set = new PermissionSet([]);
    for (const p of ['notes:read', '*', 'notes:*', '']) expect(set.has(p)).toBe(false);
    expect(set.toArray()).toEqual([]);
  });

  it('case matters: permissions are lower-case and "Notes:read" is a different string', () => {
    expect(permissionMatches('notes:read', 'Notes:read')).toBe(false);
    expect(permissionMatches('notes:*', 'NOTES:read')).toBe(false);
    expect(new PermissionSet(['notes:read']).has('notes:READ')).toBe(false);
  });

  it('a concrete grant does not match a wildcard request (requests are concrete)', () => {
    expect(new PermissionSet(['notes:read']).has('notes:*')).toBe(false);
    expect(new PermissionSet(['notes:read']).has('*')).toBe(false);
    expect(new PermissionSet(['notes:read', 'notes:delete']).has('*:read')).toBe(false);
  });

  it('exact grants are not fooled by malformed requests', () => {
    const set = new PermissionSet(['notes:read']);
    for (const requested of [
      'notes:read:extra',
      'notes:read ',
      ' notes:read',
      'notes',
      'notes:',
      ':read',
      '',
    ]) {
      expect(set.has(requested)).toBe(false);
    }
  });

  // Product bug: permissionMatches only compares the first two ':'-separated parts and never checks
  // the shape of the requested string, so resource-scoped grants match malformed requests:
  // 'notes:read' matches 'notes:read:extra', 'notes:*' matches 'notes' and 'notes:read:admin',
  // '*:read' matches ':read'. PermissionSet.has agrees for wildcard grants. Fails open if an
  // application asks for a finer, three-segment permission.
  it('never matches a malformed requested permission with a resource-scoped grant', () => {
    const cases: [string, string][] = [
      ['notes:read', 'notes:read:extra'],
      ['notes:*', 'notes'],
      ['notes:*', 'notes:read:admin'],
      ['*:read', ':read'],
      ['*:*', 'garbage'],
    ];
    for (const [granted, requested] of cases) {
      expect(permissionMatches(granted, requested), `${granted} vs ${requested}`).toBe(false);
      expect(new PermissionSet([granted]).has(requested), `${granted} vs ${requested}`).toBe(false);
    }
  });
});

describe('PermissionSet', () => {
  it('answers for a mix of exact and wildcard grants', () => {
    const set = new PermissionSet(['notes:read', 'users:*', '*:export']);
    expect(set.has('notes:read')).toBe(true);
    expect(set.has('notes:delete')).toBe(false);
    expect(set.has('users:delete')).toBe(true);
    expect(set.has('billing:export')).toBe(true);
    expect(set.has('billing:read')).toBe(false);
  });

  it('toArray lists every grant once, sorted', () => {
    const set = new PermissionSet(['users:*', 'notes:read', '*', 'notes:read', 'a:b']);
    expect(set.toArray()).toEqual(['*', 'a:b', 'notes:read', 'users:*']);
  });
});

describe('permission properties', () => {
  const segment = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,8}$/);
  const concrete = fc.tuple(segment, segment).map(([r, a]) => `${r}:${a}`);
  const grant = fc.oneof(
    concrete,
    segment.map((r) => `${r}:*`),
    segment.map((a) => `*:${a}`),
    fc.constant('*:*'),
    fc.constant('*'),
  );
  // Small alphabets make collisions (and therefore interesting matches) likely.
  const smallSegment = fc.constantFrom('notes', 'users', 'read', 'delete', 'a');
  const smallConcrete = fc.tuple(smallSegment, smallSegment).map(([r, a]) => `${r}:${a}`);
  const smallGrant = fc.oneof(
    smallConcrete,
    smallSegment.map((r) => `${r}:*`),
    smallSegment.map((a) => `*:${a}`),
    fc.constant('*'),
  );

  it('generated values are valid (sanity)', () => {
    fc.assert(
      fc.property(
        concrete,
        grant,
        (c, g) => isConcretePermission(c) && isValidPermission(g) && isValidPermission(c),
      ),
    );
  });

  it('a granted set containing * matches every valid concrete permission', () => {
    fc.assert(
      fc.property(fc.array(grant, { maxLength: 10 }), concrete, (grants, requested) => {
        const set = new PermissionSet([...grants, '*']);
        return set.has(requested) && permissionMatches('*', requested);
      }),
      { numRuns: 500 },
    );
  });

  it('is monotonic: adding a grant never removes a match', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(grant, smallGrant), { maxLength: 8 }),
        fc.oneof(grant, smallGrant),
        fc.oneof(concrete, smallConcrete),
        (grants, extra, requested) => {
          const before = new PermissionSet(grants).has(requested);
          const after = new PermissionSet([...grants, extra]).has(requested);
          return !before || after;
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('an exact grant matches only itself among concrete permissions', () => {
    fc.assert(
      fc.property(
        fc.oneof(concrete, smallConcrete),
        fc.oneof(concrete, smallConcrete),
        (granted, requested) => {
          expect(permissionMatches(granted, requested)).toBe(granted === requested);
          expect(new PermissionSet([granted]).has(requested)).toBe(granted === requested);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('PermissionSet.has agrees with "some grant matches" for concrete requests', () => {
    fc.assert(
      fc.property(fc.array(smallGrant, { maxLength: 6 }), smallConcrete, (grants, requested) => {
        expect(new PermissionSet(grants).has(requested)).toBe(
          grants.some((g) => permissionMatches(g, requested)),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('resource wildcards never cross resources, action wildcards never cross actions', () => {
    fc.assert(
      fc.property(segment, segment, segment, (resource, other, action) => {
        fc.pre(resource !== other);
        return (
          !permissionMatches(`${resource}:*`, `${other}:${action}`) &&
          !permissionMatches(`*:${resource}`, `${action}:${other}`) &&
          permissionMatches(`${resource}:*`, `${resource}:${action}`) &&
          permissionMatches(`*:${action}`, `${other}:${action}`)
        );
      }),
      { numRuns: 500 },
    );
  });
});
