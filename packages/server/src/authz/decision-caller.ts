import { GatehouseError } from '@gatehouse/core';

/**
 * Who asks the decision point: a trusted enforcement point may ask about any subject; a signed-in
 * user only about itself (how each is recognised: `http/decision-caller.ts`).
 */
export type DecisionCaller = { kind: 'enforcement_point' } | { kind: 'user'; userId: string };

/** A user may only ask about itself (AZ-05): anything else is 403, never an oracle over others. */
export function assertCallerMayAskAbout(
  caller: DecisionCaller,
  subjects: readonly { type: string; id: string }[],
): void {
  if (caller.kind === 'enforcement_point') return;
  if (subjects.some((s) => s.type !== 'user' || s.id !== caller.userId)) {
    throw new GatehouseError('forbidden', { detail: 'Users may only ask about themselves.' });
  }
}
