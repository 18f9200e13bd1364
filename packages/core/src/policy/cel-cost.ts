import type { ComprehensionNode, ExprNode } from './cel-check.ts';
import type { CelT } from './cel-types.ts';

/**
 * CEL cost, in units: one per function call and one per comprehension iteration, plus one per
 * `CHARS_PER_UNIT` characters a string function scans (a regex: characters × pattern length) and
 * one per `ITEMS_PER_UNIT` items a list function walks. Counted, never timed: the same request
 * costs the same on an idle or a loaded machine.
 */
export const CEL_COST = {
  /** Refused at load when a condition's worst case (static estimate) is above this. */
  maxExpressionCost: 50_000,
  /** One decision's conditions together; evaluation stops at this and the decision is denied. */
  maxDecisionCost: 150_000,
  /** Worst-case list/map length of a request attribute (ATTRIBUTE_LIMITS.maxValues). */
  maxListLength: 2000,
  /** Worst-case string length of a request attribute (ATTRIBUTE_LIMITS.maxStringLength). */
  maxStringLength: 8192,
} as const;

const CHARS_PER_UNIT = 100;
const ITEMS_PER_UNIT = 10;

/** String functions whose work grows with the string (a regex with the pattern, too). */
export const SCANS_STRINGS: ReadonlySet<string> = new Set([
  'contains',
  'startsWith',
  'endsWith',
  'matches',
  '_+_',
]);
/**
 * Functions whose work grows with the lists and maps they are given, counted deep (every nested
 * item): `in` compares against each element, `+` may copy, `==` and `!=` compare two containers
 * item by item (only as far as the smaller one: a container never equals a scalar).
 */
export const WALKS_LISTS: ReadonlySet<string> = new Set(['@in', '_+_', '_==_', '_!=_']);
export const COMPARES: ReadonlySet<string> = new Set(['_==_', '_!=_']);

/** Sizes a call sees: characters of its string arguments, items of its list and map arguments. */
export interface CallSizes {
  chars: number;
  /** Items of the lists and maps among the arguments, nested ones included. */
  items: number;
  /** The fewest items of one argument (0 when one is not a list or map). */
  minItems: number;
  /** Characters of the last argument: the pattern of `matches`, the affix of `startsWith`/`endsWith`. */
  pattern: number;
}

/** The cost of one call of `name`: the same formula for the static bound and the runtime meter. */
export function callCost(name: string, sizes: CallSizes): number {
  let cost = 1;
  if (SCANS_STRINGS.has(name)) {
    // A regex (RE2: linear) walks the text once per pattern character at worst; an affix test
    // compares only the affix.
    const scanned =
      name === 'matches'
        ? sizes.chars * Math.max(1, sizes.pattern)
        : name === 'startsWith' || name === 'endsWith'
          ? sizes.pattern
          : sizes.chars;
    cost += Math.ceil(scanned / CHARS_PER_UNIT);
  }
  if (WALKS_LISTS.has(name))
    cost += Math.ceil((COMPARES.has(name) ? sizes.minItems : sizes.items) / ITEMS_PER_UNIT);
  return cost;
}

/**
 * Upper bounds on a value's size: its items (lists and maps, nested ones included) and the
 * characters of any one string in it.
 */
interface Bound {
  items: number;
  chars: number;
  /** Set on a loop variable (and parts of it): one element of that loop's range. */
  element?: Loop;
}

/**
 * A comprehension being walked. The elements of its range hold `range` items in all, so the
 * comparisons of one element with anything, summed over the iterations, walk at most that many:
 * charged once per loop (`amortized`), not once per iteration.
 */
interface Loop {
  range: number;
  amortized: number;
}

// A request carries at most maxListLength values in all; an entity map adds its three keys.
const INPUT: Bound = { items: CEL_COST.maxListLength + 3, chars: CEL_COST.maxStringLength };
const SMALL: Bound = { items: 0, chars: 32 };
const max = (a: Bound, b: Bound): Bound => ({
  items: Math.max(a.items, b.items),
  chars: Math.max(a.chars, b.chars),
});
const sum = (a: Bound, b: Bound): Bound => ({ items: a.items + b.items, chars: a.chars + b.chars });

/** Functions whose result is a scalar (a bool or a number): small whatever their arguments. */
const SCALAR_RESULT =
  /^(?:_(?:==|!=|<|<=|>|>=|&&|\|\|)_|!_|@in|@not_strictly_false|size|contains|startsWith|endsWith|matches|int|uint|double|bool|get[A-Z]\w*)$/;

export interface CostEstimate {
  /** Worst-case cost of one evaluation, in units (Infinity when unbounded). */
  cost: number;
}

/**
 * A conservative static bound on a condition's cost for any request within the attribute limits:
 * every node counts one (calls their `callCost` on bounded sizes), and a comprehension counts its
 * body once per item of the largest list its range can be. Nested comprehensions over request
 * lists multiply and are what this refuses; so are regexes over long strings inside loops.
 */
export function estimateCost(root: ExprNode, types?: ReadonlyMap<ExprNode, CelT>): CostEstimate {
  /** The innermost comprehension whose body is being walked. */
  let loop: Loop | undefined;
  const walk = (
    node: ExprNode | undefined,
    scope: ReadonlyMap<string, Bound>,
  ): { cost: number; size: Bound } => {
    if (node === undefined) return { cost: 0, size: SMALL };
    const part = walkNode(node, scope);
    // A value the checker knows to be a scalar holds no items, whatever it was read from.
    const t = types?.get(node);
    if (t !== undefined && t.k !== 'dyn' && t.k !== 'list' && t.k !== 'map' && t.k !== 'record')
      part.size = { ...part.size, items: 0 };
    return part;
  };
  const walkNode = (node: ExprNode, scope: ReadonlyMap<string, Bound>): { cost: number; size: Bound } => {
    const value = node.exprKind.value as Record<string, unknown>;
    switch (node.exprKind.case) {
      case 'constExpr': {
        const v = (value as { constantKind: { value?: unknown } }).constantKind.value;
        const chars = typeof v === 'string' ? v.length : v instanceof Uint8Array ? v.length : 0;
        return { cost: 1, size: { items: 0, chars } };
      }
      case 'identExpr':
        return { cost: 1, size: scope.get((value as { name: string }).name) ?? INPUT };
      case 'selectExpr': {
        const operand = walk(value.operand as ExprNode, scope);
        return { cost: operand.cost + 1, size: operand.size };
      }
      case 'callExpr': {
        const c = value as { function: string; target?: ExprNode; args: ExprNode[] };
        const parts = [...(c.target === undefined ? [] : [c.target]), ...c.args].map((a) => walk(a, scope));
        let cost = parts.reduce((n, p) => n + p.cost, 0);
        const all = parts.reduce((b, p) => sum(b, p.size), { items: 0, chars: 0 });
        const pattern = parts[parts.length - 1]?.size.chars ?? 0;
        let minItems = parts.length === 0 ? 0 : Math.min(...parts.map((p) => p.size.items));
        if (COMPARES.has(c.function) && loop !== undefined && parts.some((p) => p.size.element === loop)) {
          // An element of this loop compared: its items once over the loop, rounding per iteration.
          loop.amortized += Math.ceil(loop.range / ITEMS_PER_UNIT);
          minItems = 0;
          cost += 1;
        }
        cost += callCost(c.function, { chars: all.chars, items: all.items, minItems, pattern });
        let size: Bound;
        if (SCALAR_RESULT.test(c.function)) size = SMALL;
        else if (c.function === '_+_') size = all;
        else if (c.function === '_[_]' && parts[0] !== undefined) size = parts[0].size;
        else size = parts.reduce((b, p) => max(b, p.size), SMALL);
        return { cost, size };
      }
      case 'listExpr': {
        const elements = (value as { elements: ExprNode[] }).elements.map((e) => walk(e, scope));
        const size = elements.reduce(
          (b, e) => ({ items: b.items + e.size.items, chars: Math.max(b.chars, e.size.chars) }),
          { items: elements.length, chars: 0 },
        );
        return { cost: 1 + elements.reduce((n, e) => n + e.cost, 0), size };
      }
      case 'structExpr': {
        const entries = (value as { entries: { keyKind: { value?: unknown }; value: ExprNode }[] }).entries;
        let cost = 1;
        const size: Bound = { items: entries.length, chars: 0 };
        const add = (part: { cost: number; size: Bound }) => {
          cost += part.cost;
          size.items += part.size.items;
          size.chars = Math.max(size.chars, part.size.chars);
        };
        for (const e of entries) {
          if (typeof e.keyKind.value === 'object') add(walk(e.keyKind.value as ExprNode, scope));
          add(walk(e.value, scope));
        }
        return { cost, size };
      }
      case 'comprehensionExpr': {
        const c = value as ComprehensionNode;
        const range = walk(c.iterRange, scope);
        const init = walk(c.accuInit, scope);
        // At most one iteration per item (an element is a part of the range: no larger than it).
        const n = range.size.items;
        const outer = loop;
        const self: Loop = { range: n, amortized: 0 };
        const inner = new Map(scope);
        const element: Bound = { items: range.size.items, chars: range.size.chars, element: self };
        inner.set(c.iterVar, element);
        if (c.iterVar2) inner.set(c.iterVar2, element);
        // How much one step can grow the accumulator (map and filter append one element), then
        // the accumulator after n steps; its strings are never concatenated across steps.
        inner.set(c.accuVar, init.size);
        loop = { range: n, amortized: 0 }; // a trial walk: its cost is not counted
        const first = walk(c.loopStep, inner);
        const accu: Bound = {
          items: init.size.items + n * Math.max(0, first.size.items - init.size.items),
          chars: Math.max(init.size.chars, first.size.chars),
        };
        inner.set(c.accuVar, accu);
        loop = self;
        const condition = walk(c.loopCondition, inner);
        const step = walk(c.loopStep, inner);
        loop = outer;
        const after = new Map(scope);
        after.set(c.accuVar, accu);
        const result = walk(c.result, after);
        const cost =
          range.cost + init.cost + n * (1 + condition.cost + step.cost) + self.amortized + result.cost;
        return { cost, size: result.size };
      }
      default:
        return { cost: 1, size: SMALL };
    }
  };
  return { cost: walk(root, new Map()).cost };
}
