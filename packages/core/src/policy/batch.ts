/**
 * How a batch of evaluations (AuthZEN `evaluations`, §7.2) runs: `execute_all` (the default)
 * answers every item in order; `deny_on_first_deny` and `permit_on_first_permit` stop after the
 * first such decision, which is the last answer returned.
 */
export type BatchSemantic = 'execute_all' | 'deny_on_first_deny' | 'permit_on_first_permit';

/**
 * Evaluates `items` one after the other under `semantic`. `evaluate` may be the policy engine's
 * (synchronous) or a decision point's (asynchronous); items are never evaluated in parallel, so a
 * short-circuited batch costs only the items before its stop.
 *
 * @example
 * const decisions = await evaluateInOrder(requests, 'deny_on_first_deny', (r) => engine.evaluate(r));
 */
export async function evaluateInOrder<Item, Answer extends { readonly decision: boolean }>(
  items: readonly Item[],
  semantic: BatchSemantic,
  evaluate: (item: Item) => Answer | Promise<Answer>,
): Promise<Answer[]> {
  const out: Answer[] = [];
  for (const item of items) {
    const answer = await evaluate(item);
    out.push(answer);
    if (semantic === 'deny_on_first_deny' && !answer.decision) break;
    if (semantic === 'permit_on_first_permit' && answer.decision) break;
  }
  return out;
}
