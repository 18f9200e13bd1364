import type { Clock } from './clock.ts';
import { PermissionSet } from './permissions.ts';
import type { InvalidationBus, RoleRepository } from './ports.ts';
import { TtlCache } from './ttl-cache.ts';

export interface SubjectAccess {
  readonly roles: readonly string[];
  readonly permissions: PermissionSet;
}

/**
 * Resolves a subject's permissions from its roles, per request, never from the session. Results
 * are cached for `cacheTtlMs` at most; any role change through Gatehouse clears the cache on every
 * node at once (invalidation bus).
 */
export class PermissionResolver {
  readonly #roles: RoleRepository;
  readonly #cache: TtlCache<SubjectAccess>;

  constructor(options: { roles: RoleRepository; bus: InvalidationBus; clock: Clock; cacheTtlMs: number }) {
    this.#roles = options.roles;
    this.#cache = new TtlCache({ ttlMs: options.cacheTtlMs, maxEntries: 10_000, clock: options.clock });
    options.bus.subscribe((message) => {
      if (message.type === 'roles.changed' || message.type === 'invalidations.missed') this.#cache.clear();
      else if (message.type === 'user.changed') this.#cache.delete(message.userId);
    });
  }

  /** The cached access of a subject, synchronously, or undefined (then call `accessOf`). */
  peekAccess(subject: string): SubjectAccess | undefined {
    return this.#cache.get(subject);
  }

  /** The subject's roles and the permissions they grant, resolved together and cached together. */
  async accessOf(subject: string): Promise<SubjectAccess> {
    const cached = this.#cache.get(subject);
    if (cached !== undefined) return cached;
    const [roles, permissions] = await Promise.all([
      this.#roles.rolesOf(subject),
      this.#roles.permissionsOf(subject),
    ]);
    const access = { roles, permissions: new PermissionSet(permissions) };
    this.#cache.set(subject, access);
    return access;
  }

  async permissionsOf(subject: string): Promise<PermissionSet> {
    return (await this.accessOf(subject)).permissions;
  }

  async can(subject: string, permission: string): Promise<boolean> {
    return (await this.permissionsOf(subject)).has(permission);
  }
}
