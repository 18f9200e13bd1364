/**
 * Permissions are `resource:action` strings. A granted permission may use `*` as a whole segment:
 * `notes:*` grants every action on notes, `*:read` reading everything, `*` everything.
 * Requested permissions are always concrete.
 */
const SEGMENT = /^(?:\*|[a-z][a-z0-9_.-]{0,63})$/;

export function isValidPermission(permission: string): boolean {
  if (permission === '*') return true;
  const parts = permission.split(':');
  return parts.length === 2 && parts.every((part) => SEGMENT.test(part));
}

export function isConcretePermission(permission: string): boolean {
  return isValidPermission(permission) && !permission.includes('*');
}

export function permissionMatches(granted: string, requested: string): boolean {
  // A malformed or wildcard request never matches: `notes:*` must not grant `notes:read:admin`.
  if (!isConcretePermission(requested)) return false;
  if (granted === '*' || granted === requested) return true;
  const [gResource, gAction] = granted.split(':');
  const [rResource, rAction] = requested.split(':');
  if (gResource === undefined || gAction === undefined) return false;
  return (gResource === '*' || gResource === rResource) && (gAction === '*' || gAction === rAction);
}

/** A resolved permission set answers `has` in O(1) for exact grants and O(wildcards) otherwise. */
export class PermissionSet {
  readonly #exact: Set<string>;
  readonly #wildcards: readonly string[];
  readonly #sorted: readonly string[];

  constructor(granted: Iterable<string>) {
    const exact = new Set<string>();
    const wildcards: string[] = [];
    for (const permission of granted) {
      if (permission.includes('*')) wildcards.push(permission);
      else exact.add(permission);
    }
    this.#exact = exact;
    this.#wildcards = wildcards;
    this.#sorted = [...exact, ...wildcards].sort();
  }

  has(requested: string): boolean {
    if (this.#exact.has(requested)) return isConcretePermission(requested);
    return this.#wildcards.some((granted) => permissionMatches(granted, requested));
  }

  toArray(): string[] {
    return [...this.#sorted];
  }
}
