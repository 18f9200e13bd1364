import { GuardError } from './errors.ts';
import type { GatehouseClient } from './gatehouse-client.ts';

/** The resource a request acts on, as the enforcement point knows it (AuthZEN `resource`). */
export interface ResourceRef {
  /** Defaults to the permission's resource part (`notes` in `notes:delete`). */
  readonly type?: string;
  readonly id: string;
  /** Attributes the policy's conditions read (`ownerID`, `archived`, `tenant`…). */
  readonly properties?: Record<string, unknown>;
}

/** An AuthZEN 1.0 evaluation request as the guard sends it. */
export interface AccessEvaluation {
  subject: { type: string; id: string };
  resource: { type: string; id: string; properties?: Record<string, unknown> };
  action: { name: string };
  context?: Record<string, unknown>;
}

/**
 * Asks Gatehouse's AuthZEN decision point (`POST /access/v1/evaluation`, authenticated with the
 * resource-server secret). Decisions are not cached: every check reflects the roles and policies
 * Gatehouse holds at that moment. Anything but a well-formed `{ decision: boolean }` answer is
 * `unavailable` (503): the guard fails closed.
 */
export class DecisionClient {
  readonly #client: GatehouseClient;

  constructor(client: GatehouseClient) {
    this.#client = client;
  }

  async evaluate(request: AccessEvaluation): Promise<boolean> {
    const answer = await this.#client.postJson('/access/v1/evaluation', request);
    if (
      typeof answer !== 'object' ||
      answer === null ||
      typeof (answer as { decision?: unknown }).decision !== 'boolean'
    ) {
      throw new GuardError('unavailable', { reason: 'pdp_bad_answer' });
    }
    return (answer as { decision: boolean }).decision;
  }
}
