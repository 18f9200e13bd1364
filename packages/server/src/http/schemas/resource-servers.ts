import { Type } from '@sinclair/typebox';
import { json, problems, RateLimit, SECURITY } from './common.ts';

const Inactive = Type.Object({ active: Type.Literal(false) });

const SessionActive = Type.Object({
  active: Type.Literal(true),
  sub: Type.String(),
  kind: Type.String(),
  email: Type.String(),
  sid: Type.String(),
  auth_time: Type.Integer(),
  exp: Type.Integer(),
  permissions: Type.Array(Type.String()),
});

const ApiKeyActive = Type.Object({
  active: Type.Literal(true),
  key_id: Type.String(),
  sub: Type.String(),
  kind: Type.String(),
  scopes: Type.Array(Type.String()),
  permissions: Type.Array(Type.String()),
  exp: Type.Union([Type.Integer(), Type.Null()]),
  rate_limit: RateLimit,
  allowed_cidrs: Type.Union([Type.Array(Type.String()), Type.Null()]),
});

const RevocationEntry = Type.Object({
  seq: Type.Integer(),
  type: Type.Union(['sid', 'jti', 'sub', 'perm', 'key', 'kid', 'nbf'].map((t) => Type.Literal(t))),
  value: Type.String(),
  at: Type.Integer({ description: 'Seconds since the epoch.' }),
  expires_at: Type.Integer({ description: 'Seconds since the epoch.' }),
});

const rs = (summary: string, description?: string) => ({
  tags: ['resource-servers'],
  summary,
  ...(description === undefined ? {} : { description }),
  security: SECURITY.resourceServer,
});

/** Present only when GATEHOUSE_INTROSPECTION_SECRET is set (404 otherwise). */
export const resourceServerSchemas = {
  session: {
    ...rs('Introspect a session token (the guard)'),
    response: {
      200: json(Type.Union([Inactive, SessionActive]), 'The subject with its permissions, or inactive.'),
      ...problems(400, 401),
    },
  },
  apiKey: {
    ...rs(
      'Introspect an API key (the guard)',
      'The guard allows the intersection of `scopes` and `permissions`.',
    ),
    response: {
      200: json(Type.Union([Inactive, ApiKeyActive]), 'Who the key acts for, or inactive.'),
      ...problems(400, 401),
    },
  },
  permissions: {
    ...rs('A subject’s current permissions (for Bearer tokens)'),
    response: {
      200: json(
        Type.Union([
          Inactive,
          Type.Object({
            active: Type.Literal(true),
            sub: Type.String(),
            permissions: Type.Array(Type.String()),
          }),
        ]),
        'The permissions, or inactive.',
      ),
      ...problems(400, 401),
    },
  },
  revocations: {
    ...rs('Revocation feed: entries after a cursor'),
    response: {
      200: json(
        Type.Object({ entries: Type.Array(RevocationEntry), cursor: Type.Integer() }),
        'Up to 1000 entries and where to resume.',
      ),
      ...problems(400, 401, 503),
    },
  },
  revocationStream: {
    ...rs(
      'Revocation feed: live stream (Server-Sent Events)',
      'Events `revocation` (data: an entry; id: a resume point) and `reconnect` (the node shuts down). Resume with `Last-Event-ID` or `after`.',
    ),
    // Documentation only: any value passes here (a malformed one resumes from the start).
    headers: Type.Object({
      'last-event-id': Type.Optional(Type.String({ description: 'The last event id seen.' })),
    }),
    response: {
      200: {
        description: 'An event stream.',
        content: { 'text/event-stream': { schema: Type.String() } },
      },
      ...problems(400, 401),
    },
  },
};
