import {
  type Clock,
  type IdentityKind,
  type InvalidationBus,
  TtlCache,
  type UserRepository,
} from '@gatehouse/core';

/**
 * A Gatehouse identity as the decision points see it: its kind and whether its address is
 * verified, or that it is disabled or unknown.
 */
export type SubjectStatus =
  | { readonly status: 'active' | 'disabled'; readonly kind: IdentityKind; readonly emailVerified: boolean }
  | { readonly status: 'unknown' };

const UNKNOWN: SubjectStatus = Object.freeze({ status: 'unknown' });

/**
 * Whether a subject id names an active or disabled user or service account, or nothing, cached
 * for `ttlMs` (the session cache's TTL, ≤ 5 s by config; 1 s by default) so the decision point does
 * not query the database per evaluation. Any change to an identity (disable, enable) clears its
 * entry on every node at once through the invalidation bus, so a disabled one is denied everywhere
 * immediately.
 */
export class SubjectStatusCache {
  readonly #users: UserRepository;
  readonly #cache: TtlCache<SubjectStatus>;

  constructor(options: { users: UserRepository; bus: InvalidationBus; clock: Clock; ttlMs: number }) {
    this.#users = options.users;
    this.#cache = new TtlCache({ ttlMs: options.ttlMs, maxEntries: 10_000, clock: options.clock });
    options.bus.subscribe((message) => {
      if (message.type === 'user.changed' || message.type === 'user.sessions_revoked') {
        this.#cache.delete(message.userId);
      } else if (message.type === 'invalidations.missed') this.#cache.clear();
    });
  }

  async status(id: string): Promise<SubjectStatus> {
    const cached = this.#cache.get(id);
    if (cached !== undefined) return cached;
    const user = await this.#users.findById(id);
    const status: SubjectStatus =
      user === undefined
        ? UNKNOWN
        : Object.freeze({
            status: user.disabled ? 'disabled' : 'active',
            kind: user.kind,
            emailVerified: user.emailVerified,
          });
    this.#cache.set(id, status);
    return status;
  }
}
