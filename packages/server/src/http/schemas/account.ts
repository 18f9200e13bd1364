import { Type } from '@sinclair/typebox';
import { empty, ISO_DATE, json, problems, SECURITY, type SecurityRequirement } from './common.ts';

/** OpenID Connect standard claims (profile, address, phone); the core checks each claim. */
export const Profile = Type.Object(
  {},
  { additionalProperties: true, description: 'OpenID Connect standard claims (profile, address, phone).' },
);

const Identity = Type.Object({
  sub: Type.String(),
  kind: Type.String({ description: '`user` or `service`.' }),
  email: Type.String(),
  email_verified: Type.Boolean({ description: 'The owner proved they receive mail at `email`.' }),
  roles: Type.Array(Type.String()),
  permissions: Type.Array(Type.String()),
});

const SessionIdentity = Type.Composite([
  Identity,
  Type.Object({
    session: Type.Object({ id: Type.String(), auth_time: ISO_DATE, expires_at: ISO_DATE }),
    csrf_token: Type.String({ description: 'Send as `X-CSRF-Token` on unsafe methods.' }),
  }),
]);

const TokenIdentity = Type.Composite([
  Identity,
  Type.Object({
    token: Type.Object({
      client_id: Type.Union([Type.String(), Type.Null()]),
      scope: Type.String(),
      session_id: Type.Union([Type.String(), Type.Null()]),
    }),
  }),
]);

const SessionView = Type.Object({
  id: Type.String(),
  current: Type.Boolean(),
  created_at: ISO_DATE,
  last_seen_at: ISO_DATE,
  expires_at: ISO_DATE,
  auth_method: Type.String(),
  ip: Type.String(),
  user_agent: Type.String(),
});

export const ConnectedApplication = Type.Object({
  grant_id: Type.String(),
  client_id: Type.String(),
  client_name: Type.String(),
  scopes: Type.Array(Type.String()),
  resources: Type.Array(Type.Object({ resource: Type.String(), scopes: Type.Array(Type.String()) })),
});

const account = (summary: string, security: readonly SecurityRequirement[] = SECURITY.caller) => ({
  tags: ['account'],
  summary,
  security,
});

export const accountSchemas = {
  identity: {
    ...account('Who the caller is, with roles and permissions'),
    description: 'JSON for API clients (session or Bearer token); the account page for browsers.',
    response: {
      200: {
        description: 'The caller (a session’s or an access token’s view), or the account page.',
        content: {
          'application/json': { schema: Type.Union([SessionIdentity, TokenIdentity]) },
          'text/html': { schema: Type.String() },
        },
      },
      303: empty('A browser without a session: to the login page.'),
      ...problems(401),
    },
  },
  profile: {
    ...account('The caller’s profile claims'),
    response: { 200: json(Profile, 'The profile.'), ...problems(401) },
  },
  putProfile: {
    ...account('Replace the caller’s profile', SECURITY.session),
    response: { 200: json(Profile, 'The stored profile.'), ...problems(400, 401, 403) },
  },
  profileForm: {
    ...account('The account page’s profile form', SECURITY.session),
    consumes: ['application/x-www-form-urlencoded'],
    response: { 303: empty('Back to the account page with a notice.'), ...problems(400, 401, 403) },
  },
  sessions: {
    ...account('The caller’s sessions'),
    response: {
      200: json(Type.Object({ sessions: Type.Array(SessionView) }), 'The sessions.'),
      ...problems(401),
    },
  },
  revokeSession: {
    ...account('End one of the caller’s sessions'),
    response: { 204: empty('Ended (the cookie is cleared if it was this one).'), ...problems(401, 403, 404) },
  },
  revokeSessionForm: {
    ...account('End a session (the account page’s form)', SECURITY.session),
    consumes: ['application/x-www-form-urlencoded'],
    response: {
      303: empty('To the account page, or to login when it was this session.'),
      ...problems(401, 403, 404),
    },
  },
  password: {
    ...account('Change the caller’s password (a new session is issued)', SECURITY.session),
    response: {
      200: json(Type.Object({ csrf_token: Type.String() }), 'Changed; the new session’s CSRF token.'),
      ...problems(400, 401, 403, 429),
    },
  },
  passwordForm: {
    ...account('Change the caller’s password (the account page’s form)', SECURITY.session),
    consumes: ['application/x-www-form-urlencoded'],
    response: {
      303: empty('To the account page with a notice: changed (a new session cookie) or why not.'),
      ...problems(400, 401, 403, 429),
    },
  },
  applications: {
    ...account('The caller’s connected applications (OAuth grants)'),
    response: {
      200: {
        description: 'The grants, or the applications page for browsers.',
        content: {
          'application/json': { schema: Type.Object({ applications: Type.Array(ConnectedApplication) }) },
          'text/html': { schema: Type.String() },
        },
      },
      303: empty('A browser without a session: to the login page.'),
      ...problems(401),
    },
  },
  disconnect: {
    ...account('Disconnect an application (withdraw consent)'),
    response: { 204: empty('Disconnected.'), ...problems(401, 403, 404) },
  },
  disconnectForm: {
    ...account('Disconnect an application (the page’s form)'),
    consumes: ['application/x-www-form-urlencoded'],
    response: { 303: empty('Back to the applications page.'), ...problems(401, 403, 404) },
  },
};
