import { type Accounts, type AuditTrail, GatehouseError, type RequestMeta } from '@gatehouse/core';
import { type ConnectedApplicationView, connectedApplicationView } from '../oauth/client-view.ts';
import type { ConnectedApplication, OAuthServer } from '../oauth/oauth-server.ts';

/**
 * A user's OAuth grants ("connected applications"): seen and withdrawn by the user
 * (`/account/applications`) or by an administrator (`/admin/v1/users/:id/oauth-grants`).
 * Withdrawing one ends its refresh tokens at once and its JWT access tokens through the feed.
 */
export interface GrantCommands {
  /** The user's grants, as the applications page lists them. */
  readonly connectedApplications: (input: { userId: string }) => Promise<ConnectedApplication[]>;
  /** By an administrator: the user's (id or email) grants, as the API shows them. */
  readonly listUserGrants: (input: { user: string }) => Promise<ConnectedApplicationView[]>;
  /** The user withdraws one grant of theirs; someone else's, or none, is `not_found`. */
  readonly disconnectApplication: (input: {
    userId: string;
    grantId: string;
    meta: RequestMeta;
  }) => Promise<void>;
  /** Every grant of a user (a compromised account), by an administrator; how many ended. */
  readonly revokeUserGrants: (input: { user: string; meta: RequestMeta }) => Promise<{ revoked: number }>;
}

export function grantCommands(deps: {
  accounts: Accounts;
  oauth: Pick<OAuthServer, 'connectedApplications' | 'revokeGrant' | 'revokeUser'>;
  audit: AuditTrail;
}): GrantCommands {
  const { accounts, oauth, audit } = deps;
  return {
    connectedApplications: ({ userId }) => oauth.connectedApplications(userId),
    listUserGrants: async ({ user }) => {
      const { id } = await accounts.requireUser(user);
      return (await oauth.connectedApplications(id)).map(connectedApplicationView);
    },
    disconnectApplication: async ({ userId, grantId, meta }) => {
      if (!(await oauth.revokeGrant(userId, grantId)))
        throw new GatehouseError('not_found', { detail: 'No such connected application.' });
      await audit.record('oauth.grant.revoked', meta, {
        subjectId: userId,
        details: { grant: grantId, by: 'user' },
      });
    },
    revokeUserGrants: async ({ user, meta }) => {
      const { id } = await accounts.requireUser(user);
      const revoked = await oauth.revokeUser(id);
      await audit.record('oauth.grant.revoked', meta, {
        subjectId: id,
        details: { grants: revoked, by: 'admin' },
      });
      return { revoked };
    },
  };
}
