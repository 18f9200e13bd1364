import type { Decision, PolicyEngine } from '@gatehouse/core';
import type { AccessRequest } from './authzen-schema.ts';
import type { DecisionLog } from './decision-log.ts';
import type { DecisionSubjects } from './decision-subjects.ts';

export type { AccessRequest };

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
 * The decision point over Gatehouse's own RBAC: a known, active subject (user, service account or
 * OAuth client, see `DecisionSubjects`) may perform `action` on a resource of type `T` when its
 * current permissions include `T:action` (wildcards as everywhere). Unknown or disabled subjects,
 * other subject types and malformed names are denied — never an error.
 */
export class RbacDecisionPoint implements DecisionPoint {
  readonly #subjects: DecisionSubjects;
  readonly #log: DecisionLog | undefined;

  constructor(options: { subjects: DecisionSubjects; log?: DecisionLog }) {
    this.#subjects = options.subjects;
    this.#log = options.log;
  }

  async evaluate(request: AccessRequest, requestId?: string): Promise<PdpDecision> {
    const result = await this.#decide(request);
    if (this.#log?.sampled(result.reason)) {
      this.#log.record({
        requestId,
        request,
        decision: result.decision,
        reason: result.reason,
        rule: result.decision ? 'stored-role' : undefined,
        policyVersion: 'rbac',
      });
    }
    return result;
  }

  async #decide(request: AccessRequest): Promise<PdpDecision> {
    const subject = await this.#subjects.resolve(request.subject);
    if (subject.state !== 'active') return { decision: false, reason: 'subject_unknown' };
    return subject.permissions.has(`${request.resource.type}:${request.action.name}`)
      ? { decision: true, reason: 'allowed' }
      : { decision: false, reason: 'no_match' };
  }
}

/**
 * The decision point over policy documents (GATEHOUSE_POLICY_DIR and/or the admin API): RBAC
 * bindings, CEL conditions and deny rules, evaluated in process. A subject Gatehouse knows (user,
 * service account or OAuth client, see `DecisionSubjects`) also holds its stored grants: a stored
 * role the documents define brings that role's inheritance and rules, and stored permissions apply
 * as they do without documents. Disabled identities are denied. Any evaluation error denies.
 */
export class PolicyDecisionPoint implements DecisionPoint {
  readonly #engine: () => PolicyEngine;
  readonly #subjects: DecisionSubjects | undefined;
  readonly #log: DecisionLog | undefined;

  constructor(
    engine: PolicyEngine | (() => PolicyEngine),
    options: { subjects?: DecisionSubjects; log?: DecisionLog } = {},
  ) {
    this.#engine = typeof engine === 'function' ? engine : () => engine;
    this.#subjects = options.subjects;
    this.#log = options.log;
  }

  get policyVersion(): string {
    return this.#engine().policyVersion;
  }

  /** The full decision with its trace (for `policy check`-style explanations and tests). */
  async explain(request: AccessRequest): Promise<Decision> {
    const subject = await this.#subjects?.resolve(request.subject);
    if (subject?.state === 'disabled') {
      return {
        decision: false,
        reason: 'no_match',
        trace: [{ rule: 'subject', effect: 'deny', matched: true, error: 'subject disabled' }],
        policyVersion: this.policyVersion,
      };
    }
    if (subject?.state !== 'active') return this.#engine().evaluate(request);
    return this.#engine().evaluate(withAttributes(request, subject.attributes), subject.grants);
  }

  async evaluate(request: AccessRequest, requestId?: string): Promise<PdpDecision> {
    const decision = await this.explain(request);
    if (this.#log?.sampled(decision.reason)) {
      this.#log.record({
        requestId,
        request,
        decision: decision.decision,
        reason: decision.reason,
        rule: decidingRule(decision),
        policyVersion: decision.policyVersion,
      });
    }
    return { decision: decision.decision, reason: decision.reason };
  }
}

/** The rule that decided: the matching deny or allow, else the first error, else none. */
export function decidingRule(decision: Decision): string | undefined {
  const trace = decision.trace;
  const matched = trace.find((t) => t.matched && t.effect === (decision.decision ? 'allow' : 'deny'));
  return matched?.rule ?? trace.find((t) => t.error !== undefined)?.rule;
}

/**
 * The subject's properties with what Gatehouse holds about it (`email_verified`) laid over them:
 * Gatehouse is the authority on these, so a caller cannot claim them for a subject.
 */
function withAttributes(
  request: AccessRequest,
  attributes: Readonly<Record<string, boolean>> | undefined,
): AccessRequest {
  if (attributes === undefined) return request;
  return {
    ...request,
    subject: { ...request.subject, properties: { ...request.subject.properties, ...attributes } },
  };
}
