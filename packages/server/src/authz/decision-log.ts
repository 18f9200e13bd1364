import type { Logger } from 'pino';
import type { AccessRequest } from './decision-point.ts';

export interface DecisionRecord {
  requestId: string | undefined;
  request: AccessRequest;
  decision: boolean;
  reason: string;
  /**
   * The deciding rule id (or `role:<name>`, `stored-role`), when one decided: worked out only for
   * the decisions that are logged.
   */
  rule: () => string | undefined;
  policyVersion: string;
}

/**
 * The sampled decision log (pino, message `authz decision`): a `sampleRate` share of decisions,
 * plus every decision that failed closed on an evaluation error (a broken policy must be visible).
 * Each line names the request id, policy version, decision, reason and deciding rule, and the
 * subject/resource/action identifiers — never properties, context or credentials.
 */
export class DecisionLog {
  readonly #logger: Logger;
  readonly #sampleRate: number;
  readonly #random: () => number;

  constructor(logger: Logger, sampleRate: number, random: () => number = Math.random) {
    this.#logger = logger;
    this.#sampleRate = sampleRate;
    this.#random = random;
  }

  record(entry: DecisionRecord): void {
    const forced = entry.reason === 'error';
    if (!forced && (this.#sampleRate === 0 || this.#random() >= this.#sampleRate)) return;
    const { subject, resource, action } = entry.request;
    this.#logger.info(
      {
        decisionLog: {
          requestId: entry.requestId,
          policyVersion: entry.policyVersion,
          decision: entry.decision,
          reason: entry.reason,
          rule: entry.rule(),
          subject: `${subject.type}:${subject.id}`,
          resource: `${resource.type}:${resource.id}`,
          action: action.name,
          sampled: !forced,
        },
      },
      'authz decision',
    );
  }
}
