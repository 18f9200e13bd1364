import fc from 'fast-check';

/** `$v` (the innermost comprehension's variable) bound to `name`. */
const bind = (body: string, name: string) => body.replaceAll('$v', name);

/**
 * Random CEL conditions from a small grammar over the attributes of `NOTES_SCHEMA` (and a few
 * undeclared ones), well- or ill-typed on purpose: the checker and the cost bound see both.
 */
export const NOTES_SCHEMA = `resources:
  notes:
    actions: [read]
    attributes:
      ownerID: string
      tags: list<string>
      level: int
      archived: bool
`;

const strLeaf = fc.constantFrom(
  'resource.properties.ownerID',
  'subject.id',
  'context.s',
  '"a"',
  '"ab"',
  'resource.id',
  '$v',
);
const intLeaf = fc.constantFrom('resource.properties.level', '1', '0', '42', 'context.n');
const listLeaf = fc.constantFrom(
  'resource.properties.tags',
  'context.l',
  'subject.properties.groups',
  '["a", "b"]',
  '[1, 2, 3]',
);
const regex = fc.constantFrom('"^a+$"', '"(a|b)*c"', '"[a-z]{1,8}"', 'context.s');

export const celCondition: fc.Arbitrary<string> = fc
  .letrec<{
    bool: string;
    str: string;
    int: string;
    list: string;
  }>((tie) => ({
    bool: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('true', 'false', 'resource.properties.archived', 'has(resource.properties.ownerID)'),
      fc.tuple(tie('str'), tie('str')).map(([a, b]) => `${a} == ${b}`),
      fc.tuple(tie('int'), tie('int')).map(([a, b]) => `${a} < ${b}`),
      fc.tuple(tie('list'), tie('list')).map(([a, b]) => `${a} == ${b}`),
      fc.tuple(tie('list'), tie('list')).map(([l, m]) => `${l}.exists(e, e == ${m} || ${m} == e)`),
      fc.tuple(tie('str'), tie('int')).map(([a, b]) => `${a} == ${b}`),
      fc.tuple(tie('bool'), tie('bool')).map(([a, b]) => `(${a} && ${b})`),
      fc.tuple(tie('bool'), tie('bool')).map(([a, b]) => `(${a} || ${b})`),
      tie('bool').map((a) => `!(${a})`),
      fc.tuple(tie('list'), tie('bool')).map(([l, p]) => `${l}.exists(x, ${bind(p, 'x')})`),
      fc.tuple(tie('list'), tie('bool')).map(([l, p]) => `${l}.all(y, ${bind(p, 'y')})`),
      fc.tuple(tie('list'), tie('bool')).map(([l, p]) => `${l}.filter(z, ${bind(p, 'z')}).size() == 0`),
      fc.tuple(tie('str'), regex).map(([s, r]) => `${s}.matches(${r})`),
      fc.tuple(tie('str'), tie('str')).map(([a, b]) => `${a}.contains(${b})`),
      fc.tuple(tie('str'), tie('str')).map(([a, b]) => `${a}.startsWith(${b})`),
      fc.tuple(tie('str'), tie('list')).map(([a, l]) => `${a} in ${l}`),
      fc.tuple(tie('list'), tie('int')).map(([l, n]) => `size(${l}) > ${n}`),
    ),
    str: fc.oneof(
      { depthSize: 'small' },
      strLeaf,
      fc.tuple(tie('str'), tie('str')).map(([a, b]) => `${a} + ${b}`),
      tie('list').map((l) => `string(${l}[0])`),
    ),
    int: fc.oneof(
      { depthSize: 'small' },
      intLeaf,
      tie('str').map((s) => `size(${s})`),
      fc.tuple(tie('int'), tie('int')).map(([a, b]) => `${a} + ${b}`),
    ),
    list: fc.oneof(
      { depthSize: 'small' },
      listLeaf,
      fc.tuple(tie('list'), tie('list')).map(([a, b]) => `${a} + ${b}`),
      fc.tuple(tie('list'), tie('str')).map(([l, s]) => `${l}.map(w, ${bind(s, 'w')})`),
    ),
  }))
  .bool.map((c) => bind(c, '"v"'));

/** Request attributes from empty to past the limits (long strings, long lists). */
export const notesRequest = fc
  .record({
    owner: fc.constantFrom('', 'a', 'ab'),
    ownerRepeat: fc.constantFrom(1, 100, 2000, 4096),
    tags: fc.constantFrom(0, 3, 500, 1000),
    list: fc.constantFrom(0, 5, 100, 900),
    s: fc.constantFrom(0, 10, 100, 8000, 8192),
    /** One in eight requests goes past a limit (a string too long, too many values). */
    oversize: fc.constantFrom('', '', '', '', '', '', 'string', 'values'),
    level: fc.integer({ min: -5, max: 50 }),
    archived: fc.boolean(),
    subject: fc.constantFrom('alice', 'a'),
    nested: fc.boolean(),
  })
  .map((r) => ({
    subject: { type: 'user', id: r.subject, properties: { groups: ['a', 'staff'] } },
    resource: {
      type: 'notes',
      id: 'n1',
      properties: {
        ownerID: r.owner.repeat(r.oversize === 'string' ? 5000 : r.ownerRepeat),
        tags: Array.from({ length: r.oversize === 'values' ? 2500 : r.tags }, (_, i) => `t${i % 50}`),
        level: r.level,
        archived: r.archived,
      },
    },
    action: { name: 'read' },
    context: {
      s: 'ab'.repeat(r.s / 2),
      n: r.level,
      // Sometimes a list of lists: comparing its elements then walks them.
      l: Array.from({ length: r.list }, (_, i) =>
        r.nested && i % 2 === 0 ? [`a${i % 7}`, 'b'] : `a${i % 7}`,
      ),
    },
  }));
