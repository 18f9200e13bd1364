import { Type } from '@sinclair/typebox';
import { adminOperation } from './admin.ts';
import { json, problems } from './common.ts';

/** One row as `gatehouse users import` reads it; its fields are checked row by row, not here. */
const Row = Type.Object(
  {},
  { additionalProperties: true, description: 'See docs/accounts.md, "Importing users".' },
);

export const MAX_IMPORT_ROWS = 10_000;

/** A JSON array of rows, or JSON Lines (one row a line) arriving as text. */
export const ImportBody = Type.Union([
  Type.Array(Row, { maxItems: MAX_IMPORT_ROWS }),
  Type.String({ description: 'JSON Lines (application/x-ndjson): one row a line.' }),
]);

const RowReport = Type.Object({
  line: Type.Integer({ description: 'The row’s line (JSON Lines) or 1-based position (JSON array).' }),
  status: Type.Union([Type.Literal('imported'), Type.Literal('rejected')]),
  id: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String({ description: 'Why a row was rejected: a stable code.' })),
  detail: Type.Optional(Type.String()),
});

export const importUsersSchema = {
  ...adminOperation('admin', 'Import users with their password hashes', 'users:write'),
  description:
    'Needs the permission `users:write`, and `roles:write` when a row grants roles. Rows are checked one by one; valid rows are stored a batch per transaction; the answer reports every row. Hashes are verified as they are at the first sign-in, then replaced by argon2id.',
  consumes: ['application/json', 'application/x-ndjson'],
  response: {
    200: json(
      Type.Object({ imported: Type.Integer(), rejected: Type.Integer(), rows: Type.Array(RowReport) }),
      'What happened to each row.',
    ),
    ...problems(400, 401, 403, 413, 415),
  },
};
