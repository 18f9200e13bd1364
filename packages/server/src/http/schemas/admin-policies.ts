import { PROBLEM_MEDIA_TYPE } from '@gatehouse/core/problem-details';
import { Type } from '@sinclair/typebox';
import { adminOperation } from './admin.ts';
import { empty, ISO_DATE, json, problems } from './common.ts';

const Document = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  updated_at: ISO_DATE,
  updated_by: Type.Union([Type.String(), Type.Null()]),
});

/** The 400 a document that does not validate gets: a problem with every located issue. */
const InvalidPolicy = Type.Object({
  type: Type.Literal('urn:gatehouse:error:invalid_request'),
  title: Type.String(),
  status: Type.Literal(400),
  detail: Type.String(),
  instance: Type.String(),
  errors: Type.Array(
    Type.Object({
      document: Type.String(),
      line: Type.Integer(),
      column: Type.Integer(),
      rule: Type.Optional(Type.String()),
      message: Type.String(),
    }),
  ),
});

const invalid = {
  400: {
    description: 'The request, or the policy set with this document, does not validate.',
    content: { [PROBLEM_MEDIA_TYPE]: { schema: InvalidPolicy } },
  },
};

const op = (summary: string, permission: string) =>
  adminOperation('admin-policies', summary, permission, false);
/** Documentation only: any value passes here, the route itself answers a malformed `If-Match`. */
const Preconditions = Type.Object({
  'if-match': Type.Optional(
    Type.String({ description: 'The quoted version the write expects, e.g. `"3"`.' }),
  ),
  'if-none-match': Type.Optional(Type.String({ description: '`*`: create only.' })),
});
const VERSIONED =
  'Writes take `If-Match: "<version>"` (or `If-None-Match: *` to create only); a mismatch is 409.';

export const adminPolicySchemas = {
  list: {
    ...op('Policy documents in force', 'policies:read'),
    response: {
      200: json(
        Type.Object({
          policy_version: Type.Union([Type.String(), Type.Null()]),
          failed_closed: Type.Union([
            Type.Object({ evaluation_errors: Type.Integer(), budget_exceeded: Type.Integer() }),
            Type.Null(),
          ]),
          directory: Type.Array(Type.String()),
          documents: Type.Array(Document),
        }),
        'The stored documents and the directory’s.',
      ),
      ...problems(401, 403),
    },
  },
  explain: {
    ...op('Explain one decision with the policy in force', 'policies:read'),
    response: {
      200: json(
        Type.Object({
          decision: Type.Boolean(),
          reason: Type.String(),
          trace: Type.Array(Type.Object({}, { additionalProperties: true })),
          cost: Type.Number(),
          policy_version: Type.Union([Type.String(), Type.Null()]),
        }),
        'The decision with every rule that applied, matched or errored.',
      ),
      ...problems(400, 401, 403, 409),
    },
  },
  get: {
    ...op('A policy document (`ETag`: its version)', 'policies:read'),
    response: {
      200: json(Type.Composite([Document, Type.Object({ source: Type.String() })]), 'The document.'),
      ...problems(400, 401, 403, 404),
    },
  },
  put: {
    ...op('Create or replace a policy document', 'policies:write'),
    description: `Needs the permission \`policies:write\`. ${VERSIONED}`,
    headers: Preconditions,
    response: {
      200: json(
        Type.Composite([Document, Type.Object({ policy_version: Type.Union([Type.String(), Type.Null()]) })]),
        'Replaced.',
      ),
      201: json(
        Type.Composite([Document, Type.Object({ policy_version: Type.Union([Type.String(), Type.Null()]) })]),
        'Created.',
      ),
      ...invalid,
      ...problems(401, 403, 409),
    },
  },
  delete: {
    ...op('Delete a policy document', 'policies:write'),
    description: `Needs the permission \`policies:write\`. ${VERSIONED}`,
    headers: Preconditions,
    response: { 204: empty('Deleted.'), ...invalid, ...problems(401, 403, 404, 409) },
  },
};
