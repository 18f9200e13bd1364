import { Type } from '@sinclair/typebox';
import { Profile } from './account.ts';
import { empty, ISO_DATE, json, problems, SECURITY } from './common.ts';

export const UserView = Type.Object({
  id: Type.String(),
  email: Type.String(),
  kind: Type.String(),
  disabled: Type.Boolean(),
  email_verified: Type.Boolean(),
  created_at: ISO_DATE,
  roles: Type.Array(Type.String()),
});

const Role = Type.Object({
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  permissions: Type.Array(Type.String()),
});

const AuditEvent = Type.Object({
  id: Type.String(),
  at: ISO_DATE,
  type: Type.String(),
  actorId: Type.Union([Type.String(), Type.Null()]),
  subjectId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(
    Type.String(),
    Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]),
  ),
});

/** An admin operation: caller authenticated (session with CSRF on writes, Bearer, API key), then its permission. */
export function adminOperation(tag: string, summary: string, permission: string, withKeys = true) {
  return {
    tags: [tag],
    summary,
    description: `Needs the permission \`${permission}\`.`,
    security: withKeys ? SECURITY.callerOrKey : SECURITY.caller,
  };
}

const op = (summary: string, permission: string) => adminOperation('admin', summary, permission);
const write = problems(400, 401, 403, 404);

export const adminSchemas = {
  listUsers: {
    ...op('List users (paged)', 'users:read'),
    response: {
      200: json(Type.Object({ users: Type.Array(UserView) }), 'A page of users.'),
      ...problems(400, 401, 403),
    },
  },
  createUser: {
    ...op('Create a user', 'users:write'),
    response: { 201: json(UserView, 'The user.'), ...problems(400, 401, 403, 409) },
  },
  disableUser: {
    ...op('Disable a user (everything issued is revoked)', 'users:write'),
    response: { 204: empty('Disabled.'), ...write },
  },
  enableUser: { ...op('Enable a user', 'users:write'), response: { 204: empty('Enabled.'), ...write } },
  setPassword: {
    ...op('Set a user’s password', 'users:write'),
    response: { 204: empty('Set; sessions and grants ended.'), ...write },
  },
  resetSecondFactors: {
    ...op(
      'Remove every second factor and recovery code of a user (audited, the user is emailed)',
      'users:write',
    ),
    response: {
      200: json(Type.Object({ removed: Type.Integer({ description: 'Factors removed.' }) }), 'Reset.'),
      ...write,
    },
  },
  sendPasswordReset: {
    ...op('Email a user a password reset link', 'users:write'),
    response: { 202: empty('The link is on its way (30 min by default, single use).'), ...write },
  },
  invite: {
    ...op('Invite an address, with roles (whatever GATEHOUSE_REGISTRATION says)', 'users:write'),
    response: {
      201: json(
        Type.Composite([UserView, Type.Object({ invitation_expires_at: ISO_DATE })]),
        'The invited user (no password yet); the invitation is on its way.',
      ),
      ...problems(400, 401, 403, 409),
    },
  },
  deleteUser: { ...op('Delete a user', 'users:write'), response: { 204: empty('Deleted.'), ...write } },
  profile: {
    ...op('A user’s profile claims', 'users:read'),
    response: { 200: json(Profile, 'The profile.'), ...write },
  },
  putProfile: {
    ...op('Replace a user’s profile', 'users:write'),
    response: { 200: json(Profile, 'The stored profile.'), ...write },
  },
  endSessions: {
    ...op('End every session of a user', 'sessions:revoke'),
    response: { 200: json(Type.Object({ revoked: Type.Integer() }), 'How many ended.'), ...write },
  },
  grantRole: { ...op('Grant a role', 'roles:write'), response: { 204: empty('Granted.'), ...write } },
  revokeRole: { ...op('Revoke a role', 'roles:write'), response: { 204: empty('Revoked.'), ...write } },
  listRoles: {
    ...op('List roles', 'roles:read'),
    response: { 200: json(Type.Object({ roles: Type.Array(Role) }), 'The roles.'), ...problems(401, 403) },
  },
  putRole: {
    ...op('Create or replace a role', 'roles:write'),
    response: { 200: json(Role, 'The role.'), ...write },
  },
  deleteRole: { ...op('Delete a role', 'roles:write'), response: { 204: empty('Deleted.'), ...write } },
  revokeAccessToken: {
    ...op('Revoke one access token by its `jti` (refused everywhere within 1 s)', 'tokens:revoke'),
    response: { 204: empty('Revoked.'), ...problems(400, 401, 403) },
  },
  auditEvents: {
    ...op('Recent audit events', 'audit:read'),
    response: {
      200: json(Type.Object({ events: Type.Array(AuditEvent) }), 'Newest first.'),
      ...problems(400, 401, 403),
    },
  },
};
