/**
 * A shortcut for the commonest condition shape, `<path> == <path>` or `<path> == "text"` (paths
 * like `resource.properties.ownerID` or `subject.id`), taken only when both sides resolve to
 * strings through own properties of ordinary objects — where CEL's `==` is exactly JavaScript string equality.
 * Anything else (a missing field, another type, another shape) returns `FALL_BACK` and the full
 * CEL program decides, errors included, so the answer is always the CEL answer.
 */
export const FALL_BACK = Symbol('fall back to CEL');

export type FastCondition = (bindings: Record<string, unknown>) => boolean | typeof FALL_BACK;

type Operand = { kind: 'path'; path: string[] } | { kind: 'text'; value: string };

interface Node {
  exprKind: { case: string | undefined; value?: unknown };
}

/** The shortcut for a parsed condition, or undefined when its shape is not the simple one. */
export function fastCondition(parsed: unknown): FastCondition | undefined {
  const root = ((parsed as { expr?: unknown }).expr ?? parsed) as Node;
  if (root.exprKind.case !== 'callExpr') return undefined;
  const call = root.exprKind.value as { function: string; target?: unknown; args: Node[] };
  if (call.function !== '_==_' || call.target !== undefined || call.args.length !== 2) return undefined;
  const left = operand(call.args[0]!);
  const right = operand(call.args[1]!);
  if (left === undefined || right === undefined) return undefined;
  const read = (o: Operand, bindings: Record<string, unknown>): unknown => {
    if (o.kind === 'text') return o.value;
    let value: unknown = bindings;
    for (const key of o.path) {
      // Only ordinary objects (CEL reads null-prototype or class instances differently).
      if (
        typeof value !== 'object' ||
        value === null ||
        Object.getPrototypeOf(value) !== Object.prototype ||
        !Object.hasOwn(value, key)
      ) {
        return FALL_BACK;
      }
      value = (value as Record<string, unknown>)[key];
    }
    return value;
  };
  return (bindings) => {
    const a = read(left, bindings);
    const b = read(right, bindings);
    return typeof a === 'string' && typeof b === 'string' ? a === b : FALL_BACK;
  };
}

function operand(node: Node): Operand | undefined {
  const path: string[] = [];
  let current = node;
  for (;;) {
    const { case: kind, value } = current.exprKind;
    if (kind === 'selectExpr') {
      const select = value as { operand: Node; field: string; testOnly: boolean };
      if (select.testOnly) return undefined;
      path.unshift(select.field);
      current = select.operand;
      continue;
    }
    if (kind === 'identExpr') {
      path.unshift((value as { name: string }).name);
      return { kind: 'path', path };
    }
    if (kind === 'constExpr' && path.length === 0) {
      const constant = (value as { constantKind: { case: string; value: unknown } }).constantKind;
      return constant.case === 'stringValue' ? { kind: 'text', value: constant.value as string } : undefined;
    }
    return undefined;
  }
}
