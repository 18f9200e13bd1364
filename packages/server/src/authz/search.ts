import type { PermissionResolver, UserRepository } from '@gatehouse/core';
import type { AccessRequest, DecisionPoint } from './decision-point.ts';
import type { PolicySet } from './policy-set.ts';

/** Stored users scanned at most per subject search (a bound on the work one request can cause). */
export const MAX_SCANNED_USERS = 10_000;
const USER_PAGE = 500;

export interface SearchPage {
  readonly limit: number;
  /** Return only results whose key sorts after this one (decoded `page.token`). */
  readonly after: string | undefined;
}

export interface SearchResult<T> {
  readonly results: T[];
  /** Key of the last result when more may follow (encode it as `page.next_token`). */
  readonly nextAfter: string | undefined;
}

type Entity = AccessRequest['subject'];

/**
 * The AuthZEN search endpoints (Authorization API 1.0 §8), answered where the model can enumerate:
 * candidates come from the policy documents (bound subjects, resource-scoped bindings, declared
 * actions) and from the stored users and their role permissions; every candidate is then
 * evaluated by the decision point with the request's properties and context, so a result is
 * exactly a `decision: true`. Grants over a whole resource type (global or tenant bindings) cannot
 * be enumerated as resource ids and are not listed by resource search.
 */
export class AccessSearch {
  readonly #pdp: DecisionPoint;
  readonly #policies: PolicySet;
  readonly #users: UserRepository;
  readonly #permissions: PermissionResolver;

  constructor(options: {
    pdp: DecisionPoint;
    policies: PolicySet;
    users: UserRepository;
    permissions: PermissionResolver;
  }) {
    this.#pdp = options.pdp;
    this.#policies = options.policies;
    this.#users = options.users;
    this.#permissions = options.permissions;
  }

  /** Subjects of `subject.type` that may perform `action` on `resource`. */
  async subjects(
    request: {
      subjectType: string;
      resource: Entity;
      action: AccessRequest['action'];
      context?: Record<string, unknown>;
    },
    page: SearchPage,
    requestId?: string,
  ): Promise<SearchResult<{ type: string; id: string }>> {
    const candidates = new Set(this.#policies.engine?.boundSubjects(request.subjectType) ?? []);
    if (request.subjectType === 'user') {
      for (let offset = 0; offset < MAX_SCANNED_USERS; offset += USER_PAGE) {
        const users = await this.#users.list({ limit: USER_PAGE, offset });
        for (const user of users) if (!user.disabled) candidates.add(user.id);
        if (users.length < USER_PAGE) break;
      }
    }
    return this.#collect([...candidates].sort(), page, async (id) => {
      const decision = await this.#pdp.evaluate(
        { ...request, subject: { type: request.subjectType, id }, ...context(request.context) },
        requestId,
      );
      return decision.decision ? { type: request.subjectType, id } : undefined;
    });
  }

  /** Resources of `resourceType` on which `subject` may perform `action`. */
  async resources(
    request: {
      subject: Entity;
      resourceType: string;
      action: AccessRequest['action'];
      context?: Record<string, unknown>;
    },
    page: SearchPage,
    requestId?: string,
  ): Promise<SearchResult<{ type: string; id: string }>> {
    const candidates = this.#policies.engine?.boundResources(request.resourceType) ?? [];
    return this.#collect(candidates, page, async (id) => {
      const decision = await this.#pdp.evaluate(
        {
          subject: request.subject,
          resource: { type: request.resourceType, id },
          action: request.action,
          ...context(request.context),
        },
        requestId,
      );
      return decision.decision ? { type: request.resourceType, id } : undefined;
    });
  }

  /** Actions `subject` may perform on `resource`. */
  async actions(
    request: { subject: Entity; resource: Entity; context?: Record<string, unknown> },
    page: SearchPage,
    requestId?: string,
  ): Promise<SearchResult<{ name: string }>> {
    const candidates = new Set(this.#policies.engine?.declaredActions(request.resource.type) ?? []);
    if (request.subject.type === 'user') {
      const { permissions } = await this.#permissions.accessOf(request.subject.id);
      for (const permission of permissions.toArray()) {
        const [type, action] = permission.split(':');
        if (type === request.resource.type && action !== undefined && action !== '*') candidates.add(action);
      }
    }
    return this.#collect([...candidates].sort(), page, async (name) => {
      const decision = await this.#pdp.evaluate(
        {
          subject: request.subject,
          resource: request.resource,
          action: { name },
          ...context(request.context),
        },
        requestId,
      );
      return decision.decision ? { name } : undefined;
    });
  }

  /** Evaluates sorted candidates after the cursor until the page is full. */
  async #collect<T>(
    keys: readonly string[],
    page: SearchPage,
    test: (key: string) => Promise<T | undefined>,
  ): Promise<SearchResult<T>> {
    const results: T[] = [];
    let last: string | undefined;
    for (const key of keys) {
      if (page.after !== undefined && key <= page.after) continue;
      if (results.length === page.limit) return { results, nextAfter: last };
      const found = await test(key);
      if (found !== undefined) {
        results.push(found);
        last = key;
      }
    }
    return { results, nextAfter: undefined };
  }
}

const context = (value: Record<string, unknown> | undefined) =>
  value === undefined ? {} : { context: value };
