import type { OAuthClientRecord, PermissionResolver, SubjectAccess, SubjectGrants } from '@gatehouse/core';
import { isConcretePermission, PermissionSet } from '@gatehouse/core/permissions';
import type { SubjectStatusCache } from './subject-status.ts';

/** What Gatehouse holds about a subject: nothing, a disabled identity, or its current grants. */
export type KnownSubject =
  | { readonly state: 'unknown' }
  | { readonly state: 'disabled' }
  | {
      readonly state: 'active';
      readonly grants: SubjectGrants;
      readonly permissions: PermissionSet;
      /** What Gatehouse holds about a user that policies may test: `subject.properties.<name>` in CEL. */
      readonly attributes?: Readonly<Record<string, boolean>>;
    };

const VERIFIED = Object.freeze({ email_verified: true });
const UNVERIFIED = Object.freeze({ email_verified: false });

const UNKNOWN: KnownSubject = Object.freeze({ state: 'unknown' });
const DISABLED: KnownSubject = Object.freeze({ state: 'disabled' });

/**
 * One answer to "what does Gatehouse know about this subject", shared by both decision points so
 * that every principal kind the guard sends is decided the same way with or without policy
 * documents:
 * - `user` and `service`: the identity of that kind (a service account is never taken for a user
 *   or the reverse), its stored roles and their permissions, resolved per request (cached ≤ 1 s,
 *   cleared on any role change);
 * - `client`: a registered OAuth client, whose permissions are the API scopes it is registered for
 *   (a client-credentials token carries at most those; the guard checks the token's own scopes);
 * - anything else is unknown to Gatehouse (policy documents may still bind it by id).
 */
export class DecisionSubjects {
  readonly #identities: SubjectStatusCache;
  readonly #permissions: PermissionResolver;
  readonly #clients: (clientId: string) => Promise<OAuthClientRecord | undefined>;
  /** By whether the address is verified, then by access object: the engine caches per `grants` object. */
  readonly #byAccess = [
    new WeakMap<SubjectAccess, KnownSubject>(),
    new WeakMap<SubjectAccess, KnownSubject>(),
  ];
  readonly #byClient = new WeakMap<OAuthClientRecord, KnownSubject>();

  constructor(options: {
    identities: SubjectStatusCache;
    permissions: PermissionResolver;
    clients: (clientId: string) => Promise<OAuthClientRecord | undefined>;
  }) {
    this.#identities = options.identities;
    this.#permissions = options.permissions;
    this.#clients = options.clients;
  }

  async resolve(subject: { readonly type: string; readonly id: string }): Promise<KnownSubject> {
    if (subject.type === 'client') return this.#client(subject.id);
    if (subject.type !== 'user' && subject.type !== 'service') return UNKNOWN;
    const identity = await this.#identities.status(subject.id);
    if (identity.status === 'unknown' || identity.kind !== subject.type) return UNKNOWN;
    if (identity.status === 'disabled') return DISABLED;
    const access = await this.#permissions.accessOf(subject.id);
    // Reused while the resolver's cached access object lives, so the engine's per-object caches hit.
    const byAccess = this.#byAccess[identity.emailVerified ? 1 : 0]!;
    let known = byAccess.get(access);
    if (known === undefined) {
      const other = this.#byAccess[identity.emailVerified ? 0 : 1]!.get(access);
      known = Object.freeze({
        state: 'active',
        grants:
          other?.state === 'active'
            ? other.grants
            : { roles: access.roles, permissions: access.permissions.toArray() },
        permissions: access.permissions,
        ...(subject.type === 'user' ? { attributes: identity.emailVerified ? VERIFIED : UNVERIFIED } : {}),
      });
      byAccess.set(access, known);
    }
    return known;
  }

  async #client(clientId: string): Promise<KnownSubject> {
    const client = await this.#clients(clientId);
    if (client === undefined) return UNKNOWN;
    let known = this.#byClient.get(client);
    if (known === undefined) {
      const permissions = client.scopes.filter(isConcretePermission);
      known = Object.freeze({
        state: 'active',
        grants: { roles: [], permissions },
        permissions: new PermissionSet(permissions),
      });
      this.#byClient.set(client, known);
    }
    return known;
  }
}
