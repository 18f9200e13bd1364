/**
 * A shortcut for the commonest condition shapes — `==` between attribute paths
 * (`resource.properties.ownerID == subject.id`) and string or bool literals, `has(path)`, `!`,
 * `&&` and `||` over those — taken only when every value involved is a string or a bool read
 * through own properties of ordinary objects, where CEL's operators are exactly JavaScript's.
 * Anything else (a missing field, another type, another shape) returns `FALL_BACK` and the full
 * CEL program decides, errors included, so the answer is always the CEL answer (property-tested
 * against CEL in packages/core/test/policy/fast-condition.test.ts).
 */
import { type ExprNode, rootExpr } from './cel-check.ts';

export const FALL_BACK: unique symbol = Symbol('fall back to CEL');

type Bindings = Record<string, unknown>;
type Fast = (bindings: Bindings) => boolean | typeof FALL_BACK;
export type FastCondition = Fast;

type Node = ExprNode;

/** Values: a path read (or FALL_BACK), or a literal. */
type Value = (bindings: Bindings) => unknown;

/** The shortcut for a parsed condition, or undefined when its shape is not a simple one. */
export function fastCondition(parsed: unknown): FastCondition | undefined {
  return condition(rootExpr(parsed));
}

function condition(node: Node): Fast | undefined {
  const { case: kind, value } = node.exprKind;
  if (kind === 'selectExpr' && (value as { testOnly: boolean }).testOnly) {
    const select = value as { operand: Node; field: string };
    const parent = path(select.operand);
    if (parent === undefined) return undefined;
    const field = select.field;
    return (bindings) => {
      const object = read(parent, bindings);
      if (object === FALL_BACK || !isOrdinary(object)) return FALL_BACK;
      // CEL (as @bufbuild/cel converts JavaScript values) treats a null or undefined field as absent.
      return Object.hasOwn(object, field) && object[field] !== null && object[field] !== undefined;
    };
  }
  if (kind === 'constExpr') {
    const literal = constant(node);
    return typeof literal === 'boolean' ? () => literal : undefined;
  }
  if (kind !== 'callExpr') {
    const single = operand(node);
    if (single === undefined) return undefined;
    return (bindings) => {
      const v = single(bindings);
      return typeof v === 'boolean' ? v : FALL_BACK;
    };
  }
  const call = value as { function: string; target?: unknown; args: Node[] };
  if (call.target !== undefined) return undefined;
  const [a, b] = call.args;
  switch (call.function) {
    case '!_': {
      const inner = a && call.args.length === 1 ? condition(a) : undefined;
      if (inner === undefined) return undefined;
      return (bindings) => {
        const v = inner(bindings);
        return v === FALL_BACK ? FALL_BACK : !v;
      };
    }
    case '_&&_':
    case '_||_': {
      if (a === undefined || b === undefined || call.args.length !== 2) return undefined;
      const left = condition(a);
      const right = condition(b);
      if (left === undefined || right === undefined) return undefined;
      // CEL's && and || absorb an error on one side when the other decides; we only take the
      // shortcut when the left side is known, and fall back otherwise.
      const shortCircuit = call.function !== '_&&_'; // false decides &&, true decides ||
      return (bindings) => {
        const l = left(bindings);
        if (l === FALL_BACK) return FALL_BACK;
        if (l === shortCircuit) return shortCircuit;
        return right(bindings);
      };
    }
    case '_==_':
    case '_!=_': {
      if (a === undefined || b === undefined || call.args.length !== 2) return undefined;
      const left = operand(a);
      const right = operand(b);
      if (left === undefined || right === undefined) return undefined;
      const negate = call.function === '_!=_';
      return (bindings) => {
        const x = left(bindings);
        const y = right(bindings);
        const comparable =
          (typeof x === 'string' && typeof y === 'string') ||
          (typeof x === 'boolean' && typeof y === 'boolean');
        return comparable ? (x === y) !== negate : FALL_BACK;
      };
    }
    default:
      return undefined;
  }
}

/** A path (`subject.properties.x`) or a string/bool literal. */
function operand(node: Node): Value | undefined {
  if (node.exprKind.case === 'constExpr') {
    const literal = constant(node);
    return typeof literal === 'string' || typeof literal === 'boolean' ? () => literal : undefined;
  }
  const keys = path(node);
  return keys === undefined ? undefined : (bindings) => read(keys, bindings);
}

function constant(node: Node): unknown {
  const c = (node.exprKind.value as { constantKind: { case: string; value: unknown } }).constantKind;
  return c.case === 'stringValue' || c.case === 'boolValue' ? c.value : undefined;
}

function path(node: Node): string[] | undefined {
  const keys: string[] = [];
  let current = node;
  for (;;) {
    const { case: kind, value } = current.exprKind;
    if (kind === 'selectExpr') {
      const select = value as { operand: Node; field: string; testOnly: boolean };
      if (select.testOnly) return undefined;
      keys.unshift(select.field);
      current = select.operand;
      continue;
    }
    if (kind === 'identExpr') {
      keys.unshift((value as { name: string }).name);
      return keys;
    }
    return undefined;
  }
}

/** Only ordinary objects (CEL reads null-prototype objects and class instances differently). */
const isOrdinary = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

function read(keys: readonly string[], bindings: Bindings): unknown {
  let value: unknown = bindings;
  for (const key of keys) {
    if (!isOrdinary(value) || !Object.hasOwn(value, key)) return FALL_BACK;
    value = value[key];
  }
  return value;
}
