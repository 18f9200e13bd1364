import type { EvaluationBody } from '../authz/authzen-schema.ts';
import { accessRequest } from '../authz/authzen-schema.ts';
import { assertCallerMayAskAbout, type DecisionCaller } from '../authz/decision-caller.ts';
import type { DecisionPoint, PdpDecision } from '../authz/decision-point.ts';

export interface EvaluateInput {
  readonly caller: DecisionCaller;
  readonly evaluation: EvaluationBody;
  /** Labels the decision log only. */
  readonly requestId?: string;
}

/** An AuthZEN decision as clients see it: nothing about how the policy is built, a coarse reason on denials. */
export type EvaluationAnswer =
  | { readonly decision: true }
  | { readonly decision: false; readonly context: { readonly reason: PdpDecision['reason'] } };

export function evaluationAnswer(result: PdpDecision): EvaluationAnswer {
  return result.decision ? { decision: true } : { decision: false, context: { reason: result.reason } };
}

/** One AuthZEN access evaluation (§6): who may ask is checked first (users ask about themselves). */
export function evaluateCommand(deps: {
  pdp: DecisionPoint;
}): (input: EvaluateInput) => Promise<EvaluationAnswer> {
  return async function evaluate(input) {
    assertCallerMayAskAbout(input.caller, [input.evaluation.subject]);
    return evaluationAnswer(await deps.pdp.evaluate(accessRequest(input.evaluation), input.requestId));
  };
}
