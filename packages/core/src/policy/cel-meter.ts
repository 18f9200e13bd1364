import {
  type CelEnv,
  type CelFunc,
  CelScalar,
  type CelValue,
  celFunc,
  isCelList,
  isCelMap,
} from '@bufbuild/cel';
import type { ExprNode } from './cel-check.ts';
import { type CallSizes, CEL_COST, COMPARES, callCost, SCANS_STRINGS, WALKS_LISTS } from './cel-cost.ts';

/** Thrown by the meter when the budget is spent: it aborts the whole evaluation (no CEL `||` absorbs it). */
export class BudgetExceeded extends Error {
  constructor(limit: number) {
    super(`evaluation cost budget exceeded (${limit} units)`);
    this.name = 'BudgetExceeded';
  }
}

/** Cost units spent by one decision; `limit` moves per condition (its own cap within the decision's). */
export class CostMeter {
  used = 0;
  limit: number;
  exhausted = false;
  constructor(limit: number) {
    this.limit = limit;
  }
  charge(units: number): void {
    this.used += units;
    if (this.used > this.limit) {
      this.exhausted = true;
      throw new BudgetExceeded(this.limit);
    }
  }
}

/** The meter of the evaluation under way (evaluation is synchronous: one at a time). */
let active: CostMeter | undefined;

/**
 * Makes `meter` the one charged for every call and comprehension step (undefined: none); returns
 * the previous one to restore in a `finally`. No closure per evaluation: this runs per condition.
 */
export function activateMeter(meter: CostMeter | undefined): CostMeter | undefined {
  const outer = active;
  active = meter;
  return outer;
}

/** A call counted once per comprehension iteration (wrapped around each loop condition). */
const STEP = 'gatehouse.step';
export const stepFunction: CelFunc = celFunc(STEP, [CelScalar.DYN], CelScalar.DYN, (x) => x);

/** Items of a list or map, nested ones included (counted up to `cap`); 0 for anything else. */
function deepItems(v: CelValue | undefined, cap: number): number {
  if (!isCelList(v) && !isCelMap(v)) return 0;
  let n = 0;
  const stack: CelValue[] = [v];
  while (stack.length > 0 && n < cap) {
    const x = stack.pop();
    const items = isCelList(x) ? x : isCelMap(x) ? x.values() : undefined;
    if (items === undefined) continue;
    n += (x as { size: number }).size;
    for (const e of items) if (isCelList(e) || isCelMap(e)) stack.push(e);
  }
  return Math.min(n, cap);
}

/** What `callCost` needs of a call's actual arguments (containers walked only where they count). */
function callSizes(name: string, target: CelValue | undefined, args: CelValue[]): CallSizes {
  const sizes: CallSizes = { chars: 0, items: 0, minItems: 0, pattern: 0 };
  const values = target === undefined ? args : [target, ...args];
  // Two containers compared walk the smaller; a container never equals a scalar.
  const walks = COMPARES.has(name) ? values.every((v) => isCelList(v) || isCelMap(v)) : WALKS_LISTS.has(name);
  let least = Number.POSITIVE_INFINITY;
  for (const v of values) {
    if (typeof v === 'string' || v instanceof Uint8Array) sizes.chars += v.length;
    const items = walks ? deepItems(v, DEEP_CAP) : 0;
    sizes.items += items;
    least = Math.min(least, items);
  }
  if (walks && Number.isFinite(least)) sizes.minItems = least;
  if (name === 'matches' || name === 'startsWith' || name === 'endsWith') {
    const last = args[args.length - 1];
    sizes.pattern = typeof last === 'string' ? last.length : 0;
  }
  return sizes;
}

/** Past this many items (10 per unit) a call costs more than a condition may: stop counting. */
const DEEP_CAP = 10 * CEL_COST.maxExpressionCost + 10;

type Resolver = CelEnv['funcs'];
type Group = NonNullable<ReturnType<Resolver['find']>>;

/**
 * `env` with every function call charged to the active meter (`callCost` on the actual sizes of
 * its arguments) before it runs. Logic, indexing and field access are the planner's own and cost
 * nothing here: they are bounded by the expression's size and by the steps around them.
 */
export function meteredEnv(env: CelEnv): CelEnv {
  const groups = new Map<string, Group | undefined>();
  const inner = env.funcs;
  const funcs = Object.create(inner, {
    find: {
      value(name: string): Group | undefined {
        if (groups.has(name)) return groups.get(name);
        const group = inner.find(name);
        // Most functions cost one unit whatever their arguments: no need to measure them.
        const sized = SCANS_STRINGS.has(name) || WALKS_LISTS.has(name);
        const wrapped: Group | undefined =
          group === undefined
            ? undefined
            : {
                name: group.name,
                [Symbol.iterator]: () => group[Symbol.iterator](),
                call(id, target, args) {
                  const meter = active;
                  if (meter !== undefined)
                    meter.charge(sized ? callCost(name, callSizes(name, target, args)) : 1);
                  return group.call(id, target, args);
                },
              };
        groups.set(name, wrapped);
        return wrapped;
      },
    },
  }) as Resolver;
  // The planner reads `funcs`, `registry` and `namespace`; everything else is the original env.
  return Object.create(env, { funcs: { value: funcs } }) as CelEnv;
}

let nextId = 1n << 40n;

/**
 * Wraps every comprehension's loop condition in the step call, in place, so that each iteration
 * is charged even when its body calls nothing (`list.all(x, x)`).
 */
export function instrumentSteps(node: ExprNode | undefined): void {
  if (node === undefined || node === null) return;
  const value = node.exprKind.value as Record<string, unknown>;
  switch (node.exprKind.case) {
    case 'selectExpr':
      instrumentSteps(value.operand as ExprNode);
      return;
    case 'callExpr':
      instrumentSteps(value.target as ExprNode | undefined);
      for (const a of value.args as ExprNode[]) instrumentSteps(a);
      return;
    case 'listExpr':
      for (const e of value.elements as ExprNode[]) instrumentSteps(e);
      return;
    case 'structExpr':
      for (const e of value.entries as { keyKind: { value?: unknown }; value: ExprNode }[]) {
        if (typeof e.keyKind.value === 'object') instrumentSteps(e.keyKind.value as ExprNode);
        instrumentSteps(e.value);
      }
      return;
    case 'comprehensionExpr': {
      for (const k of ['iterRange', 'accuInit', 'loopCondition', 'loopStep', 'result'])
        instrumentSteps(value[k] as ExprNode);
      value.loopCondition = {
        id: nextId++,
        exprKind: { case: 'callExpr', value: { function: STEP, args: [value.loopCondition] } },
      };
      return;
    }
    default:
      return;
  }
}
