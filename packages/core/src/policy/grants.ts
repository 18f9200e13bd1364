import { isConcretePermission, isValidPermission } from '../permissions.ts';

/**
 * A flattened set of granted permissions with O(1) lookup for every wildcard form of
 * `permissions.ts`: exact `notes:read`, `notes:*`, `*:read`, and `*` (or `*:*`).
 * Callers pass the request already split and validated as concrete.
 */
export class GrantSet {
  #all = false;
  /** resource → actions: looked up without building the `resource:action` string. */
  readonly #exact = new Map<string, Set<string>>();
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
    else {
      const actions = this.#exact.get(resource);
      if (actions === undefined) this.#exact.set(resource, new Set([action]));
      else actions.add(action);
    }
  }

  addAll(other: GrantSet): void {
    if (other.#all) this.#all = true;
    for (const [resource, actions] of other.#exact) {
      const mine = this.#exact.get(resource);
      if (mine === undefined) this.#exact.set(resource, new Set(actions));
      else for (const a of actions) mine.add(a);
    }
    for (const r of other.#anyAction) this.#anyAction.add(r);
    for (const a of other.#anyResource) this.#anyResource.add(a);
  }

  /** `resource:action` must be concrete (checked once by the caller). */
  hasConcrete(resource: string, action: string): boolean {
    return (
      this.#all ||
      this.#exact.get(resource)?.has(action) === true ||
      this.#anyAction.has(resource) ||
      this.#anyResource.has(action)
    );
  }

  has(requested: string): boolean {
    if (!isConcretePermission(requested)) return false;
    const [resource = '', action = ''] = requested.split(':');
    return this.hasConcrete(resource, action);
  }

  get size(): number {
    let exact = 0;
    for (const actions of this.#exact.values()) exact += actions.size;
    return (this.#all ? 1 : 0) + exact + this.#anyAction.size + this.#anyResource.size;
  }
}
