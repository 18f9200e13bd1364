import type {
  Decision,
  PermissionResolver,
  PolicyEngine,
  SubjectAccess,
  SubjectGrants,
} from '@gatehouse/core';
import type { DecisionLog } from './decision-log.ts';
import type { SubjectStatusCache } from './subject-status.ts';

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

/** What the AuthZEN routes ask. `requestId` only labels the decision log. */
export interface DecisionPoint {
  evaluate(request: AccessRequest, requestId?: string): Promise<PdpDecision>;
}

/**
 * The decision point over Gatehouse's own RBAC: a `user` subject may perform `action` on a
 * resource of type `T` when its current permissions include `T:action` (wildcards as everywhere).
 * Unknown or disabled subjects, other subject types and malformed names are denied — never an error.
 */
export class RbacDecisionPoint implements DecisionPoint {
  readonly #permissions: PermissionResolver;
  readonly #subjects: SubjectStatusCache;
  readonly #log: DecisionLog | undefined;

  constructor(options: { permissions: PermissionResolver; subjects: SubjectStatusCache; log?: DecisionLog }) {
    this.#permissions = options.permissions;
    this.#subjects = options.subjects;
    this.#log = options.log;
  }

  async evaluate(request: AccessRequest, requestId?: string): Promise<PdpDecision> {
    const result = await this.#decide(request);
    this.#log?.record({
      requestId,
      request,
      decision: result.decision,
      reason: result.reason,
      rule: () => (result.decision ? 'stored-role' : undefined),
      policyVersion: 'rbac',
    });
    return result;
  }

  async #decide(request: AccessRequest): Promise<PdpDecision> {
    if (request.subject.type !== 'user' && request.subject.type !== 'service') {
      return { decision: false, reason: 'subject_unknown' };
    }
    if ((await this.#subjects.status(request.subject.id)) !== 'active') {
      return { decision: false, reason: 'subject_unknown' };
    }
    const permission = `${request.resource.type}:${request.action.name}`;
    const { permissions } = await this.#permissions.accessOf(request.subject.id);
    return permissions.has(permission)
      ? { decision: true, reason: 'allowed' }
      : { decision: false, reason: 'no_match' };
  }
}

/**
 * The decision point over policy documents (GATEHOUSE_POLICY_DIR and/or the admin API): RBAC
 * bindings, CEL conditions and deny rules, evaluated in process. A `user` subject that exists in
 * Gatehouse also holds its stored roles (by name: a stored role the documents define brings that
 * role's inheritance and rules) and their permissions, resolved per request through the
 * permission cache that every role change clears on every node. Disabled users are denied. Any
 * evaluation error denies.
 */
export class PolicyDecisionPoint implements DecisionPoint {
  readonly #engine: () => PolicyEngine;
  readonly #permissions: PermissionResolver | undefined;
  readonly #subjects: SubjectStatusCache | undefined;
  readonly #log: DecisionLog | undefined;
  readonly #grants = new WeakMap<SubjectAccess, SubjectGrants>();

  constructor(
    engine: PolicyEngine | (() => PolicyEngine),
    options: { permissions?: PermissionResolver; subjects?: SubjectStatusCache; log?: DecisionLog } = {},
  ) {
    this.#engine = typeof engine === 'function' ? engine : () => engine;
    this.#permissions = options.permissions;
    this.#subjects = options.subjects;
    this.#log = options.log;
  }

  get policyVersion(): string {
    return this.#engine().policyVersion;
  }

  /** The full decision with its trace (for `policy check`-style explanations and tests). */
  async explain(request: AccessRequest): Promise<Decision> {
    const stored = await this.#stored(request);
    if (stored === 'disabled') {
      return {
        decision: false,
        reason: 'no_match',
        trace: [{ rule: 'subject', effect: 'deny', matched: true, error: 'subject disabled' }],
        policyVersion: this.policyVersion,
      };
    }
    return this.#engine().evaluate(request, stored);
  }

  async evaluate(request: AccessRequest, requestId?: string): Promise<PdpDecision> {
    const decision = await this.explain(request);
    this.#log?.record({
      requestId,
      request,
      decision: decision.decision,
      reason: decision.reason,
      rule: () => decidingRule(decision),
      policyVersion: decision.policyVersion,
    });
    return { decision: decision.decision, reason: decision.reason };
  }

  async #stored(request: AccessRequest): Promise<SubjectGrants | undefined | 'disabled'> {
    if (this.#subjects === undefined || this.#permissions === undefined || request.subject.type !== 'user') {
      return undefined;
    }
    const status = await this.#subjects.status(request.subject.id);
    if (status === 'unknown') return undefined;
    if (status === 'disabled') return 'disabled';
    const access = await this.#permissions.accessOf(request.subject.id);
    let grants = this.#grants.get(access);
    if (grants === undefined) {
      grants = { roles: access.roles, permissions: access.permissions.toArray() };
      this.#grants.set(access, grants);
    }
    return grants;
  }
}

/** The rule that decided: the matching deny or allow, else the first error, else none. */
export function decidingRule(decision: Decision): string | undefined {
  const trace = decision.trace;
  const matched = trace.find((t) => t.matched && t.effect === (decision.decision ? 'allow' : 'deny'));
  return matched?.rule ?? trace.find((t) => t.error !== undefined)?.rule;
}
