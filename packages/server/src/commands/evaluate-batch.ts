import { evaluateInOrder, GatehouseError } from '@gatehouse/core';
import { type AccessRequest, accessRequest, type EvaluationsBody } from '../authz/authzen-schema.ts';
import { assertCallerMayAskAbout, type DecisionCaller } from '../authz/decision-caller.ts';
import type { DecisionPoint } from '../authz/decision-point.ts';
import { type EvaluationAnswer, evaluationAnswer } from './evaluate.ts';

export interface EvaluateBatchInput {
  readonly caller: DecisionCaller;
  readonly batch: EvaluationsBody;
  /** Labels the decision log only. */
  readonly requestId?: string;
}

/** With an `evaluations` array, one answer per item evaluated; without, a single answer (§7.1). */
export type EvaluateBatchAnswer = EvaluationAnswer | { readonly evaluations: EvaluationAnswer[] };

/**
 * AuthZEN evaluations (§7): the top-level members are defaults for every item; items run in
 * order under `options.evaluations_semantic` (core `evaluateInOrder`). Who may ask is checked
 * for every item's subject before any is evaluated.
 */
export function evaluateBatchCommand(deps: {
  pdp: DecisionPoint;
}): (input: EvaluateBatchInput) => Promise<EvaluateBatchAnswer> {
  return async function evaluateBatch({ caller, batch, requestId }) {
    const items = expand(batch);
    assertCallerMayAskAbout(
      caller,
      items.flatMap((item) => (item === undefined ? [] : [item.subject])),
    );
    const results = await evaluateInOrder(
      items,
      batch.options?.evaluations_semantic ?? 'execute_all',
      async (item) =>
        // An item left without a subject, resource or action after the defaults is denied, not a
        // 400 for the whole batch (authzen-pdp-evaluations-missing-subject-returns-decision-false).
        evaluationAnswer(
          item === undefined
            ? { decision: false, reason: 'error' }
            : await deps.pdp.evaluate(item, requestId),
        ),
    );
    if (batch.evaluations !== undefined && batch.evaluations.length > 0) return { evaluations: results };
    // Without an `evaluations` array (or with an empty one) the request is a single evaluation.
    const single = results[0];
    if (single === undefined || items[0] === undefined) {
      throw new GatehouseError('invalid_request', {
        detail: 'An evaluation needs a subject, a resource and an action.',
      });
    }
    return single;
  };
}

/** Top-level subject, resource, action and context are defaults for every item (§7.1). */
function expand(body: EvaluationsBody): (AccessRequest | undefined)[] {
  const items = body.evaluations === undefined || body.evaluations.length === 0 ? [{}] : body.evaluations;
  return items.map((item) => {
    const subject = item.subject ?? body.subject;
    const resource = item.resource ?? body.resource;
    const action = item.action ?? body.action;
    if (subject === undefined || resource === undefined || action === undefined) return undefined;
    return accessRequest({ subject, resource, action, context: item.context ?? body.context });
  });
}
