import { type CelEnv, CelScalar, type CelValue, celFunc, isCelList, isCelMap } from '@bufbuild/cel';
import type { ExprNode } from './cel-check.ts';
import { type CallSizes, callCost } from './cel-cost.ts';

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
export const stepFunction = celFunc(STEP, [CelScalar.DYN], CelScalar.DYN, (x) => x);

const sizeOf = (v: CelValue | undefined, into: CallSizes): void => {
  if (typeof v === 'string') into.chars += v.length;
  else if (v instanceof Uint8Array) into.chars += v.length;
  else if (isCelList(v) || isCelMap(v)) into.items += v.size;
};

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
        const wrapped: Group | undefined =
          group === undefined
            ? undefined
            : {
                name: group.name,
                [Symbol.iterator]: () => group[Symbol.iterator](),
                call(id, target, args) {
                  if (active !== undefined) {
                    const sizes: CallSizes = { chars: 0, items: 0, pattern: 0 };
                    sizeOf(target, sizes);
                    for (const a of args) sizeOf(a, sizes);
                    if (name === 'matches' || name === 'startsWith' || name === 'endsWith') {
                      const p = args[args.length - 1];
                      sizes.pattern = typeof p === 'string' ? p.length : 0;
                    }
                    active.charge(callCost(name, sizes));
                  }
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
