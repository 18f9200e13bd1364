import type { Logger } from 'pino';
import type { AccessRequest } from './decision-point.ts';

export interface DecisionRecord {
  requestId: string | undefined;
  request: AccessRequest;
  decision: boolean;
  reason: string;
  /** The deciding rule id (or `role:<name>`, `stored-role`), when one decided. */
  rule: string | undefined;
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

  /**
   * Whether a decision with this reason is logged: every evaluation error, a `sampleRate` share
   * of the rest (one draw per call). Asked first, so that the line is built only when it is written.
   */
  sampled(reason: string): boolean {
    if (reason === 'error') return true;
    return this.#sampleRate !== 0 && this.#random() < this.#sampleRate;
  }

  /** Writes the line of a decision `sampled` chose. */
  record(entry: DecisionRecord): void {
    const { subject, resource, action } = entry.request;
    this.#logger.info(
      {
        decisionLog: {
          requestId: entry.requestId,
          policyVersion: entry.policyVersion,
          decision: entry.decision,
          reason: entry.reason,
          rule: entry.rule,
          subject: `${subject.type}:${subject.id}`,
          resource: `${resource.type}:${resource.id}`,
          action: action.name,
          sampled: entry.reason !== 'error',
        },
      },
      'authz decision',
    );
  }
}
