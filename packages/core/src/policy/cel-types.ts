import type { ComprehensionNode, ExprNode } from './cel-check.ts';

/**
 * CEL types as the policy checker sees them. `dyn` is anything (an undeclared attribute); `record`
 * is a request entity whose fields are known (`resource` with its declared `properties`).
 */
export type CelT =
  | { readonly k: 'string' | 'int' | 'uint' | 'double' | 'bool' | 'bytes' | 'null' | 'dyn' }
  | { readonly k: 'timestamp' | 'duration' | 'type' }
  | { readonly k: 'list'; readonly elem: CelT }
  | { readonly k: 'map'; readonly key: CelT; readonly value: CelT }
  | {
      readonly k: 'record';
      readonly name: string;
      readonly fields: ReadonlyMap<string, CelT>;
      /** Whether a field not in `fields` is an error (else it is `dyn`). */
      readonly strict: boolean;
    };

const scalar = (k: 'string' | 'int' | 'uint' | 'double' | 'bool' | 'bytes' | 'null' | 'dyn'): CelT => ({ k });
export const T: Readonly<
  Record<
    | 'string'
    | 'int'
    | 'uint'
    | 'double'
    | 'bool'
    | 'bytes'
    | 'null'
    | 'dyn'
    | 'timestamp'
    | 'duration'
    | 'type',
    CelT
  >
> = {
  string: scalar('string'),
  int: scalar('int'),
  uint: scalar('uint'),
  double: scalar('double'),
  bool: scalar('bool'),
  bytes: scalar('bytes'),
  null: scalar('null'),
  dyn: scalar('dyn'),
  timestamp: { k: 'timestamp' } as CelT,
  duration: { k: 'duration' } as CelT,
  type: { k: 'type' } as CelT,
} as const;

export function typeName(t: CelT): string {
  switch (t.k) {
    case 'list':
      return `list<${typeName(t.elem)}>`;
    case 'map':
      return `map<${typeName(t.key)}, ${typeName(t.value)}>`;
    case 'record':
      return t.name;
    default:
      return t.k;
  }
}

/** What a JSON request can carry: no bytes, uint, timestamp or duration attributes. */
const SIMPLE = new Set(['string', 'int', 'double', 'bool', 'dyn']);

/**
 * Parses an attribute type as a document declares it: `string`, `int`, `double`, `bool`, `dyn`,
 * `list<T>`, `map<string, V>`. Undefined when malformed.
 */
export function parseAttributeType(text: string): CelT | undefined {
  let at = 0;
  const src = text.replace(/\s+/g, '');
  const read = (depth: number): CelT | undefined => {
    if (depth > 4) return undefined;
    const word = /^[a-z]+/.exec(src.slice(at))?.[0];
    if (word === undefined) return undefined;
    at += word.length;
    if (word === 'list' || word === 'map') {
      if (src[at] !== '<') return undefined;
      at += 1;
      const first = read(depth + 1);
      if (first === undefined) return undefined;
      let result: CelT;
      if (word === 'map') {
        if (src[at] !== ',' || first.k !== 'string') return undefined;
        at += 1;
        const value = read(depth + 1);
        if (value === undefined) return undefined;
        result = { k: 'map', key: first, value };
      } else result = { k: 'list', elem: first };
      if (src[at] !== '>') return undefined;
      at += 1;
      return result;
    }
    return SIMPLE.has(word) ? (T[word as keyof typeof T] as CelT) : undefined;
  };
  const t = read(0);
  return t !== undefined && at === src.length ? t : undefined;
}

const isDyn = (t: CelT) => t.k === 'dyn';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Marks a request value that does not have its declared type. */
export const MISMATCH: unique symbol = Symbol('mismatch');

/**
 * A request attribute as its declared type makes it: `int` becomes a CEL int (a JSON number is a
 * CEL double otherwise), lists and maps are converted item by item; MISMATCH when it has another
 * type. What the checker assumed is then what evaluation sees.
 */
export function conformAttribute(value: unknown, t: CelT): unknown {
  switch (t.k) {
    case 'dyn':
      return value;
    case 'string':
      return typeof value === 'string' ? value : MISMATCH;
    case 'bool':
      return typeof value === 'boolean' ? value : MISMATCH;
    case 'double':
      return typeof value === 'number' ? value : MISMATCH;
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : MISMATCH;
    case 'list': {
      if (!Array.isArray(value)) return MISMATCH;
      if (t.elem.k === 'dyn' || t.elem.k === 'string' || t.elem.k === 'bool' || t.elem.k === 'double') {
        const elem = t.elem;
        return value.every((v) => conformAttribute(v, elem) !== MISMATCH) ? value : MISMATCH;
      }
      const out: unknown[] = [];
      for (const v of value) {
        const c = conformAttribute(v, t.elem);
        if (c === MISMATCH) return MISMATCH;
        out.push(c);
      }
      return out;
    }
    case 'map': {
      if (!isObject(value)) return MISMATCH;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const c = conformAttribute(v, t.value);
        if (c === MISMATCH) return MISMATCH;
        out[k] = c;
      }
      return out;
    }
    default:
      return MISMATCH;
  }
}
const NUMERIC = new Set(['int', 'uint', 'double']);

/** Whether a value of type `a` may meet one of type `b` (dyn meets everything). */
function compatible(a: CelT, b: CelT): boolean {
  if (isDyn(a) || isDyn(b)) return true;
  if (a.k !== b.k) return false;
  if (a.k === 'list' && b.k === 'list') return compatible(a.elem, b.elem);
  if (a.k === 'map' && b.k === 'map') return compatible(a.key, b.key) && compatible(a.value, b.value);
  return true;
}

/** The common type of two branches or elements: themselves when equal, else dyn. */
function join(a: CelT, b: CelT): CelT {
  return typeName(a) === typeName(b) ? a : T.dyn;
}

/** A record seen as a CEL value: a map from string to its fields (dyn when they differ). */
const asMapType = (t: CelT): CelT => (t.k === 'record' ? { k: 'map', key: T.string, value: T.dyn } : t);

class TypeError_ extends Error {}

const fail = (message: string): never => {
  throw new TypeError_(message);
};

const sig = (types: CelT[]) => types.map(typeName).join(', ');

const TIME_METHODS = new Set([
  'getFullYear',
  'getMonth',
  'getDayOfYear',
  'getDayOfMonth',
  'getDate',
  'getDayOfWeek',
  'getHours',
  'getMinutes',
  'getSeconds',
  'getMilliseconds',
]);
const CONVERSIONS: Record<string, CelT> = {
  int: T.int,
  uint: T.uint,
  double: T.double,
  string: T.string,
  bytes: T.bytes,
  bool: T.bool,
  timestamp: T.timestamp,
  duration: T.duration,
  type: T.type,
  dyn: T.dyn,
};

/** The result type of operator or function `name` on `args` (`target` first for methods); throws on a mismatch. */
function callType(name: string, args: CelT[]): CelT {
  const anyDyn = args.some(isDyn);
  const mismatch = () => fail(`no matching overload for '${name}' applied to (${sig(args)})`);
  const [a, b] = args as [CelT, CelT];
  switch (name) {
    case '_&&_':
    case '_||_':
    case '!_':
      for (const t of args) if (!compatible(t, T.bool)) mismatch();
      return T.bool;
    case '_==_':
    case '_!=_':
      if (a.k !== 'null' && b.k !== 'null' && !compatible(asMapType(a), asMapType(b))) mismatch();
      return T.bool;
    case '_<_':
    case '_<=_':
    case '_>_':
    case '_>=_':
      if (anyDyn) return T.bool;
      if (NUMERIC.has(a.k) && NUMERIC.has(b.k)) return T.bool;
      if (a.k !== b.k || !['string', 'bytes', 'bool', 'timestamp', 'duration'].includes(a.k)) mismatch();
      return T.bool;
    case '_+_':
      if (anyDyn) return a.k === 'list' ? a : b.k === 'list' ? b : T.dyn;
      if (a.k === 'list' && b.k === 'list') return { k: 'list', elem: join(a.elem, b.elem) };
      if ((a.k === 'timestamp' && b.k === 'duration') || (a.k === 'duration' && b.k === 'timestamp'))
        return T.timestamp;
      if (a.k === b.k && ['int', 'uint', 'double', 'string', 'bytes', 'duration'].includes(a.k)) return a;
      return mismatch();
    case '_-_':
      if (anyDyn) return T.dyn;
      if (a.k === 'timestamp' && b.k === 'timestamp') return T.duration;
      if (a.k === 'timestamp' && b.k === 'duration') return T.timestamp;
      if (a.k === b.k && ['int', 'uint', 'double', 'duration'].includes(a.k)) return a;
      return mismatch();
    case '_*_':
    case '_/_':
    case '_%_':
      if (anyDyn) return isDyn(a) ? b : a;
      if (a.k === b.k && NUMERIC.has(a.k) && (name !== '_%_' || a.k !== 'double')) return a;
      return mismatch();
    case '-_':
      if (!isDyn(a) && !['int', 'double', 'duration'].includes(a.k)) mismatch();
      return a;
    case '_?_:_': {
      const [c, x, y] = args as [CelT, CelT, CelT];
      if (!compatible(c, T.bool)) fail(`the condition of '?:' is ${typeName(c)}, not bool`);
      return join(x, y);
    }
    case '_[_]': {
      if (isDyn(a)) return T.dyn;
      if (a.k === 'list') {
        if (!compatible(b, T.int) && !compatible(b, T.uint)) mismatch();
        return a.elem;
      }
      if (a.k === 'map') {
        if (!compatible(b, a.key)) mismatch();
        return a.value;
      }
      if (a.k === 'record') return indexRecord(a, b);
      return mismatch();
    }
    case '@in': {
      if (isDyn(b)) return T.bool;
      if (b.k === 'list' && compatible(a, b.elem)) return T.bool;
      if (b.k === 'map' && compatible(a, b.key)) return T.bool;
      if (b.k === 'record' && compatible(a, T.string)) return T.bool;
      return mismatch();
    }
    case 'size':
      if (!isDyn(a) && !['string', 'bytes', 'list', 'map', 'record'].includes(a.k)) mismatch();
      return T.int;
    case 'contains':
    case 'startsWith':
    case 'endsWith':
    case 'matches':
      for (const t of args) if (!compatible(t, T.string)) mismatch();
      return T.bool;
    default:
      if (name in CONVERSIONS) return CONVERSIONS[name] as CelT;
      if (TIME_METHODS.has(name)) {
        if (!isDyn(a) && a.k !== 'timestamp' && a.k !== 'duration') mismatch();
        return T.int;
      }
      // Anything else the environment offers: checked at evaluation (fails closed).
      return T.dyn;
  }
}

function indexRecord(record: Extract<CelT, { k: 'record' }>, key: CelT): CelT {
  if (!compatible(key, T.string)) fail(`${record.name} is indexed by string, not ${typeName(key)}`);
  return T.dyn;
}

function field(operand: CelT, name: string): CelT {
  switch (operand.k) {
    case 'dyn':
      return T.dyn;
    case 'record': {
      const t = operand.fields.get(name);
      if (t !== undefined) return t;
      if (operand.strict) return fail(`${operand.name} has no declared attribute "${name}"`);
      return T.dyn;
    }
    case 'map':
      if (!compatible(operand.key, T.string)) return fail(`${typeName(operand)} has no field "${name}"`);
      return operand.value;
    default:
      return fail(`${typeName(operand)} has no field "${name}"`);
  }
}

/**
 * Type-checks a parsed condition against the variables' types. Returns the first type error, or
 * undefined when the condition is well-typed and yields a bool (or dyn); `types` receives every
 * node's type (the cost bound uses it). Where the types are dyn
 * (undeclared attributes) the check is left to evaluation, which fails closed.
 */
export function typeCheck(
  root: ExprNode,
  vars: ReadonlyMap<string, CelT>,
  types?: Map<ExprNode, CelT>,
): string | undefined {
  const typeOf = (node: ExprNode, scope: ReadonlyMap<string, CelT>): CelT => {
    const t = typeOfNode(node, scope);
    types?.set(node, t);
    return t;
  };
  const typeOfNode = (node: ExprNode, scope: ReadonlyMap<string, CelT>): CelT => {
    const { exprKind } = node;
    const value = exprKind.value as Record<string, unknown>;
    switch (exprKind.case) {
      case 'constExpr': {
        const kind = (value as { constantKind: { case: string } }).constantKind.case;
        const map: Record<string, CelT> = {
          boolValue: T.bool,
          bytesValue: T.bytes,
          doubleValue: T.double,
          int64Value: T.int,
          uint64Value: T.uint,
          stringValue: T.string,
          nullValue: T.null,
          durationValue: T.duration,
          timestampValue: T.timestamp,
        };
        return map[kind] ?? T.dyn;
      }
      case 'identExpr':
        return scope.get((value as { name: string }).name) ?? T.dyn;
      case 'selectExpr': {
        const s = value as { operand: ExprNode; field: string; testOnly: boolean };
        const operand = typeOf(s.operand, scope);
        if (s.testOnly) {
          // has(): the field need not be present, only possible.
          if (operand.k !== 'record' && operand.k !== 'map' && !isDyn(operand))
            fail(`has() on ${typeName(operand)}`);
          if (operand.k === 'record') field(operand, s.field);
          return T.bool;
        }
        return field(operand, s.field);
      }
      case 'callExpr': {
        const c = value as { function: string; target?: ExprNode; args: ExprNode[] };
        const args = [...(c.target === undefined ? [] : [c.target]), ...c.args].map((a) => typeOf(a, scope));
        if (c.function === '@not_strictly_false') return T.bool;
        return callType(c.function, args);
      }
      case 'listExpr': {
        const elems = (value as { elements: ExprNode[] }).elements.map((e) => typeOf(e, scope));
        return { k: 'list', elem: elems.length === 0 ? T.dyn : elems.reduce(join) };
      }
      case 'structExpr': {
        const entries = (value as { entries: { keyKind: { value?: unknown }; value: ExprNode }[] }).entries;
        const keys: CelT[] = [];
        const values: CelT[] = [];
        for (const e of entries) {
          if (typeof e.keyKind.value === 'object') keys.push(typeOf(e.keyKind.value as ExprNode, scope));
          values.push(typeOf(e.value, scope));
        }
        return {
          k: 'map',
          key: keys.length === 0 ? T.dyn : keys.reduce(join),
          value: values.length === 0 ? T.dyn : values.reduce(join),
        };
      }
      case 'comprehensionExpr': {
        const c = value as ComprehensionNode;
        const range = typeOf(c.iterRange, scope);
        let item: CelT;
        let item2: CelT = T.dyn;
        if (range.k === 'list') {
          item = c.iterVar2 ? T.int : range.elem;
          item2 = range.elem;
        } else if (range.k === 'map') {
          item = range.key;
          item2 = range.value;
        } else if (range.k === 'record') item = T.string;
        else if (isDyn(range)) item = T.dyn;
        else return fail(`cannot iterate over ${typeName(range)}`);
        const init = typeOf(c.accuInit, scope);
        // The accumulator's type: a list built by map/filter may hold anything the step adds.
        const accu = init.k === 'list' ? { k: 'list' as const, elem: T.dyn } : init;
        const inner = new Map(scope);
        inner.set(c.accuVar, accu);
        inner.set(c.iterVar, item);
        if (c.iterVar2) inner.set(c.iterVar2, item2);
        typeOf(c.loopCondition, inner);
        typeOf(c.loopStep, inner);
        const after = new Map(scope);
        after.set(c.accuVar, accu);
        return typeOf(c.result, after);
      }
      default:
        return T.dyn;
    }
  };
  try {
    const result = typeOf(root, vars);
    if (!compatible(result, T.bool)) return `the condition yields ${typeName(result)}, not bool`;
    return undefined;
  } catch (error) {
    if (error instanceof TypeError_) return error.message;
    throw error;
  }
}
