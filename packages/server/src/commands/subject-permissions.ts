import type { PermissionResolver, UserRepository } from '@gatehouse/core';

/** What a guard holding a Bearer token (which carries no permissions) learns of its subject. */
export type SubjectPermissions =
  | { readonly active: false }
  | { readonly active: true; readonly sub: string; readonly permissions: string[] };

/**
 * What a subject may do right now (`POST /permissions/introspect`, for resource servers): its
 * permissions from its roles, or `active: false` for an unknown or disabled subject — the two are
 * not told apart.
 */
export function subjectPermissionsCommand(deps: {
  storage: { readonly users: UserRepository };
  permissions: PermissionResolver;
}): (input: { subject: string }) => Promise<SubjectPermissions> {
  return async function subjectPermissions({ subject }) {
    const user = await deps.storage.users.findById(subject);
    if (user === undefined || user.disabled) return { active: false };
    const { permissions } = await deps.permissions.accessOf(user.id);
    return { active: true, sub: user.id, permissions: permissions.toArray() };
  };
}
