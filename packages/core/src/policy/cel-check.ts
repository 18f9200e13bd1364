import type { CelEnv } from '@bufbuild/cel';
import { CEL_COST } from './cel-cost.ts';

/** Limits on one condition, checked when the policy loads. */
export const CEL_LIMITS = {
  /** Characters of the condition's source. */
  maxSourceLength: 4096,
  /** Nodes of the expanded expression tree (macros included). */
  maxNodes: 1000,
  /** Nested comprehensions (`all`, `exists`, `map`, `filter` inside one another). */
  maxComprehensionDepth: 2,
} as const;

/** Functions the planner handles itself (logic and indexing), not through the env's resolver. */
const BUILTIN_CALLS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false']);

/** What the checker and the fast path read of a parsed expression (cel.expr.Expr, as @bufbuild/cel parses it). */
export interface ExprNode {
  exprKind: { case: string | undefined; value?: unknown };
}

/** A `comprehensionExpr` node's value (the macros `all`, `exists`, `map`, `filter` expand to one). */
// A type alias, not an interface: it must accept the parser's `Record<string, unknown>` values.
export type ComprehensionNode = {
  iterVar: string;
  iterVar2?: string;
  accuVar: string;
  iterRange: ExprNode;
  accuInit: ExprNode;
  loopCondition: ExprNode;
  loopStep: ExprNode;
  result: ExprNode;
};

/** The root expression of a parse result (a ParsedExpr wraps it in `expr`). */
export function rootExpr(parsed: unknown): ExprNode {
  return ((parsed as { expr?: unknown }).expr ?? parsed) as ExprNode;
}

export interface ConditionCheck {
  /** Human-readable problems; empty when the condition is acceptable. */
  issues: string[];
  nodes: number;
}

/**
 * A static check of a parsed condition before it is ever evaluated: every identifier must be one
 * of the declared variables (`subject`, `resource`, `action`, `context`) or a comprehension's own
 * variable, every function must exist in the environment, and the expression must stay within
 * `CEL_LIMITS`. Typos such as `resouce.id` or `sise(x)` are load errors, not silent denials at
 * request time.
 */
export function checkCondition(env: CelEnv, root: unknown, source: string): ConditionCheck {
  const issues: string[] = [];
  if (source.length > CEL_LIMITS.maxSourceLength) {
    issues.push(`condition is longer than ${CEL_LIMITS.maxSourceLength} characters`);
  }
  let nodes = 0;
  let deepest = 0;
  const seen = new Set<string>();
  const report = (message: string) => {
    if (!seen.has(message)) {
      seen.add(message);
      issues.push(message);
    }
  };
  const walk = (node: unknown, locals: readonly string[], depth: number): void => {
    if (node === undefined || node === null) return;
    nodes += 1;
    const { exprKind } = node as ExprNode;
    const value = exprKind.value as Record<string, unknown> | undefined;
    switch (exprKind.case) {
      case 'identExpr': {
        const name = (value as { name: string }).name;
        if (!locals.includes(name) && env.variables.find(name) === undefined) {
          report(`unknown variable "${name}" (use subject, resource, action or context)`);
        }
        return;
      }
      case 'selectExpr':
        walk(value?.operand, locals, depth);
        return;
      case 'callExpr': {
        const call = value as { function: string; target?: unknown; args: unknown[] };
        if (!BUILTIN_CALLS.has(call.function) && env.funcs.find(call.function) === undefined) {
          report(`unknown function "${call.function}"`);
        }
        walk(call.target, locals, depth);
        for (const arg of call.args) walk(arg, locals, depth);
        return;
      }
      case 'listExpr':
        for (const element of (value as { elements: unknown[] }).elements) walk(element, locals, depth);
        return;
      case 'structExpr':
        for (const entry of (value as { entries: { keyKind: { value?: unknown }; value: unknown }[] })
          .entries) {
          if (typeof entry.keyKind.value === 'object') walk(entry.keyKind.value, locals, depth);
          walk(entry.value, locals, depth);
        }
        return;
      case 'comprehensionExpr': {
        const c = value as ComprehensionNode;
        const inner = depth + 1;
        deepest = Math.max(deepest, inner);
        walk(c.iterRange, locals, depth);
        walk(c.accuInit, locals, depth);
        const scoped = [...locals, c.iterVar, c.accuVar, ...(c.iterVar2 ? [c.iterVar2] : [])];
        walk(c.loopCondition, scoped, inner);
        walk(c.loopStep, scoped, inner);
        walk(c.result, [...locals, c.accuVar], depth);
        return;
      }
      default:
        return;
    }
  };
  walk(rootExpr(root), [], 0);
  if (nodes > CEL_LIMITS.maxNodes) issues.push(`condition has ${nodes} nodes (limit ${CEL_LIMITS.maxNodes})`);
  if (deepest > CEL_LIMITS.maxComprehensionDepth) {
    issues.push(`comprehensions nested ${deepest} deep (limit ${CEL_LIMITS.maxComprehensionDepth})`);
  }
  return { issues, nodes };
}

/** Limits on the attributes one evaluation may carry into CEL (checked once per request). */
export const ATTRIBUTE_LIMITS: {
  readonly maxValues: number;
  readonly maxDepth: number;
  readonly maxStringLength: number;
} = {
  maxValues: CEL_COST.maxListLength,
  maxDepth: 16,
  /** Characters of one string (or key): the cost bound of string scans and regexes assumes it. */
  maxStringLength: CEL_COST.maxStringLength,
} as const;

/**
 * Throws when the request's attributes exceed `ATTRIBUTE_LIMITS`: with bounded expressions
 * (above) and bounded inputs, the cost of evaluating any condition is bounded too.
 */
export function assertAttributeSize(...roots: unknown[]): void {
  // A counter object, not a closure: this runs on every evaluation with a condition.
  const seen = { values: 0 };
  for (const root of roots) visitAttribute(root, 0, seen);
}

function visitAttribute(value: unknown, depth: number, seen: { values: number }): void {
  seen.values += 1;
  if (seen.values > ATTRIBUTE_LIMITS.maxValues) {
    throw new Error(`request attributes exceed ${ATTRIBUTE_LIMITS.maxValues} values`);
  }
  if (depth > ATTRIBUTE_LIMITS.maxDepth) {
    throw new Error(`request attributes nest deeper than ${ATTRIBUTE_LIMITS.maxDepth}`);
  }
  if (typeof value === 'string' && value.length > ATTRIBUTE_LIMITS.maxStringLength) {
    throw new Error(`a request attribute is longer than ${ATTRIBUTE_LIMITS.maxStringLength} characters`);
  }
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) for (const item of value) visitAttribute(item, depth + 1, seen);
  else
    for (const key in value) {
      if (key.length > ATTRIBUTE_LIMITS.maxStringLength) {
        throw new Error(
          `a request attribute name is longer than ${ATTRIBUTE_LIMITS.maxStringLength} characters`,
        );
      }
      visitAttribute((value as Record<string, unknown>)[key], depth + 1, seen);
    }
}
