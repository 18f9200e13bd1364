import type { PermissionResolver, PolicyEngine, UserRepository } from '@gatehouse/core';

/** An AuthZEN access evaluation request (Authorization API 1.0 §6). */
export interface AccessRequest {
  subject: { type: string; id: string; properties?: Record<string, unknown> };
  resource: { type: string; id: string; properties?: Record<string, unknown> };
  action: { name: string; properties?: Record<string, unknown> };
  context?: Record<string, unknown>;
}

export interface PdpDecision {
  readonly decision: boolean;
  /** Coarse, public: never which rule or attribute decided. */
  readonly reason: 'allowed' | 'denied' | 'no_match' | 'error' | 'subject_unknown';
}

/** What the AuthZEN routes ask. */
export interface DecisionPoint {
  evaluate(request: AccessRequest): Promise<PdpDecision>;
}

/**
 * The decision point over Gatehouse's own RBAC: a `user` subject may perform `action` on a
 * resource of type `T` when its current permissions include `T:action` (wildcards as everywhere).
 * Unknown or disabled subjects, other subject types and malformed names are denied — never an error.
 */
export class RbacDecisionPoint implements DecisionPoint {
  readonly #permissions: PermissionResolver;
  readonly #users: UserRepository;

  constructor(options: { permissions: PermissionResolver; users: UserRepository }) {
    this.#permissions = options.permissions;
    this.#users = options.users;
  }

  async evaluate(request: AccessRequest): Promise<PdpDecision> {
    if (request.subject.type !== 'user' && request.subject.type !== 'service') {
      return { decision: false, reason: 'subject_unknown' };
    }
    const user = await this.#users.findById(request.subject.id);
    if (user === undefined || user.disabled) return { decision: false, reason: 'subject_unknown' };
    const permission = `${request.resource.type}:${request.action.name}`;
    const { permissions } = await this.#permissions.accessOf(user.id);
    return permissions.has(permission)
      ? { decision: true, reason: 'allowed' }
      : { decision: false, reason: 'no_match' };
  }
}

/**
 * The decision point over policy documents (GATEHOUSE_POLICY_DIR): RBAC bindings, CEL conditions
 * and deny rules, evaluated in process. Any evaluation error denies.
 */
export class PolicyDecisionPoint implements DecisionPoint {
  readonly #engine: PolicyEngine;

  constructor(engine: PolicyEngine) {
    this.#engine = engine;
  }

  get policyVersion(): string {
    return this.#engine.policyVersion;
  }

  async evaluate(request: AccessRequest): Promise<PdpDecision> {
    const { decision, reason } = this.#engine.evaluate(request);
    return { decision, reason };
  }
}
