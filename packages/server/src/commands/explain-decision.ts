import { type Decision, GatehouseError } from '@gatehouse/core';
import type { AccessRequest, PolicyDecisionPoint } from '../authz/decision-point.ts';
import type { PolicySet } from '../authz/policy-set.ts';

/**
 * The full explanation of one decision with the policy in force (documents + the subject's stored
 * roles): every rule that applied, matched or errored, its CEL cost and the policy version. For
 * operators only (`POST /admin/v1/policies/explain`, `gatehouse policies explain`): the AuthZEN
 * API never reveals it. With no document loaded there is nothing to explain: `conflict`.
 */
export function explainDecisionCommand(deps: {
  policies: Pick<PolicySet, 'engine'>;
  policyPdp: Pick<PolicyDecisionPoint, 'explain'>;
}): (input: { request: AccessRequest }) => Promise<Decision> {
  return async function explainDecision({ request }) {
    if (deps.policies.engine === undefined) {
      throw new GatehouseError('conflict', {
        detail: 'No policy documents are loaded; decisions come from the stored roles alone.',
      });
    }
    return deps.policyPdp.explain(request);
  };
}
