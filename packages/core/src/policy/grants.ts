import { isConcretePermission, isValidPermission } from '../permissions.ts';

/**
 * A flattened set of granted permissions with O(1) lookup for every wildcard form of
 * `permissions.ts`: exact `notes:read`, `notes:*`, `*:read`, and `*` (or `*:*`).
 * Callers pass the request already split and validated as concrete.
 */
export class GrantSet {
  #all = false;
  readonly #exact = new Set<string>();
  readonly #anyAction = new Set<string>();
  readonly #anyResource = new Set<string>();

  constructor(granted: Iterable<string> = []) {
    for (const permission of granted) this.add(permission);
  }

  add(permission: string): void {
    if (!isValidPermission(permission)) throw new Error(`invalid permission ${JSON.stringify(permission)}`);
    if (permission === '*' || permission === '*:*') {
      this.#all = true;
      return;
    }
    const [resource = '', action = ''] = permission.split(':');
    if (resource === '*') this.#anyResource.add(action);
    else if (action === '*') this.#anyAction.add(resource);
    else this.#exact.add(permission);
  }

  addAll(other: GrantSet): void {
    if (other.#all) this.#all = true;
    for (const p of other.#exact) this.#exact.add(p);
    for (const r of other.#anyAction) this.#anyAction.add(r);
    for (const a of other.#anyResource) this.#anyResource.add(a);
  }

  /** `permission` must be `${resource}:${action}` and concrete (checked once by the caller). */
  hasConcrete(permission: string, resource: string, action: string): boolean {
    return (
      this.#all ||
      this.#exact.has(permission) ||
      this.#anyAction.has(resource) ||
      this.#anyResource.has(action)
    );
  }

  has(requested: string): boolean {
    if (!isConcretePermission(requested)) return false;
    const [resource = '', action = ''] = requested.split(':');
    return this.hasConcrete(requested, resource, action);
  }

  get size(): number {
    return (this.#all ? 1 : 0) + this.#exact.size + this.#anyAction.size + this.#anyResource.size;
  }
}
