import { Type } from '@sinclair/typebox';
import { adminOperation } from './admin.ts';
import { ISO_DATE, json, NULLABLE_ISO_DATE, problems } from './common.ts';

const KeyStatus = Type.Union(['next', 'active', 'retired', 'revoked'].map((s) => Type.Literal(s)));

const SigningKey = Type.Object({
  kid: Type.String(),
  alg: Type.String(),
  status: KeyStatus,
  created_at: ISO_DATE,
  activated_at: NULLABLE_ISO_DATE,
  retired_at: NULLABLE_ISO_DATE,
  remove_after: NULLABLE_ISO_DATE,
});

const op = (summary: string, permission: string) => adminOperation('admin-incident', summary, permission);

export const adminIncidentSchemas = {
  signingKeys: {
    ...op('Signing keys (no key material)', 'keys:read'),
    response: {
      200: json(Type.Object({ keys: Type.Array(SigningKey) }), 'The keys.'),
      ...problems(401, 403),
    },
  },
  revokeSigningKey: {
    ...op('Revoke a signing key (a new one takes over)', 'keys:revoke'),
    response: {
      200: json(
        Type.Object({
          kid: Type.String(),
          revoked: Type.Boolean(),
          previous_status: KeyStatus,
          active: Type.String(),
          next: Type.String(),
        }),
        'What was revoked and the keys now in use.',
      ),
      ...problems(400, 401, 403, 404),
    },
  },
  revokeAll: {
    ...op('Sign a user, or everyone, out', 'sessions:revoke'),
    response: {
      200: json(
        Type.Object({ cutoff: ISO_DATE, sessions: Type.Integer(), grants: Type.Integer() }),
        'Tokens issued before `cutoff` are refused everywhere.',
      ),
      ...problems(400, 401, 403, 404),
    },
  },
};
