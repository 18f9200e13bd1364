import type { UserRecord } from '@gatehouse/core';
import type { Gatehouse } from '../gatehouse.ts';

/** A user as the admin API shows it (`UserView` in http/schemas/admin.ts). */
export async function adminUserView(
  gatehouse: Gatehouse,
  user: UserRecord,
): Promise<{
  id: string;
  email: string;
  kind: string;
  disabled: boolean;
  email_verified: boolean;
  created_at: string;
  roles: string[];
}> {
  return {
    id: user.id,
    email: user.email,
    kind: user.kind,
    disabled: user.disabled,
    email_verified: user.emailVerified,
    created_at: new Date(user.createdAt).toISOString(),
    roles: await gatehouse.accounts.rolesOf(user.id),
  };
}
