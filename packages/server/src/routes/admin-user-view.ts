import type { UserWithRoles } from '../commands/users.ts';

/** A user as the admin API shows it (`UserView` in http/schemas/admin.ts). */
export function adminUserView(u: UserWithRoles): {
  id: string;
  email: string;
  kind: string;
  disabled: boolean;
  email_verified: boolean;
  created_at: string;
  roles: string[];
} {
  return {
    id: u.id,
    email: u.email,
    kind: u.kind,
    disabled: u.disabled,
    email_verified: u.emailVerified,
    created_at: new Date(u.createdAt).toISOString(),
    roles: u.roles,
  };
}
