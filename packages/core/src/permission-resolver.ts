import type { Clock } from './clock.ts';
import { PermissionSet } from './permissions.ts';
import type { InvalidationBus, RoleRepository } from './ports.ts';
import { TtlCache } from './ttl-cache.ts';

/**
 * Resolves a subject's permissions from its roles, per request, never from the session. Results
 * are cached for `cacheTtlMs` at most; any role change through Gatehouse clears the cache on every
 * node at once (invalidation bus).
 */
export class PermissionResolver {
  readonly #roles: RoleRepository;
  readonly #cache: TtlCache<PermissionSet>;

  constructor(options: { roles: RoleRepository; bus: InvalidationBus; clock: Clock; cacheTtlMs: number }) {
    this.#roles = options.roles;
    this.#cache = new TtlCache({ ttlMs: options.cacheTtlMs, maxEntries: 10_000, clock: options.clock });
    options.bus.subscribe((message) => {
      if (message.type === 'roles.changed') this.#cache.clear();
      else if (message.type === 'user.changed') this.#cache.delete(message.userId);
    });
  }

  async permissionsOf(subject: string): Promise<PermissionSet> {
    const cached = this.#cache.get(subject);
    if (cached !== undefined) return cached;
    const set = new PermissionSet(await this.#roles.permissionsOf(subject));
    this.#cache.set(subject, set);
    return set;
  }

  async can(subject: string, permission: string): Promise<boolean> {
    return (await this.permissionsOf(subject)).has(permission);
  }
}
