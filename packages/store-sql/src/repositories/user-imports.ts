import { emailSkeleton, type ImportedUser, type UserImportStore } from '@gatehouse/core';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * Rows per INSERT statement: 7 parameters a user stays far below SQLite's 32,766 and
 * PostgreSQL's 65,535 bound parameters.
 */
const ROWS_PER_STATEMENT = 1000;

/**
 * Bulk import: one transaction per batch, one multi-row INSERT per table and chunk. The users'
 * unique constraints (id, email, email skeleton) decide which rows go in, with ON CONFLICT DO
 * NOTHING (a later duplicate in the same statement conflicts with the earlier one too); only the
 * users that went in get credentials, profiles and roles.
 */
export class SqlUserImportStore implements UserImportStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  insertBatch(users: readonly ImportedUser[], now: number): Promise<ReadonlySet<string>> {
    if (users.length === 0) return Promise.resolve(new Set());
    return this.#db.transaction().execute(async (tx) => {
      const created = new Set<string>();
      for (const chunk of chunks(users, ROWS_PER_STATEMENT)) {
        const rows = await tx
          .insertInto('users')
          .values(
            chunk.map((user) => ({
              id: user.id,
              email: user.email,
              email_skeleton: emailSkeleton(user.email),
              kind: 'user',
              disabled: user.disabled ? 1 : 0,
              email_verified: user.emailVerified ? 1 : 0,
              created_at: now,
              updated_at: now,
            })),
          )
          .onConflict((conflict) => conflict.doNothing())
          .returning('id')
          .execute();
        for (const row of rows) created.add(row.id);
      }
      const inserted = users.filter((user) => created.has(user.id));
      const credentials = inserted.flatMap((user) =>
        user.passwordHash === undefined
          ? []
          : [{ user_id: user.id, password_hash: user.passwordHash, updated_at: now }],
      );
      const profiles = inserted.flatMap((user) =>
        user.profile === undefined || Object.keys(user.profile).length === 0
          ? []
          : [{ user_id: user.id, claims: JSON.stringify(user.profile), updated_at: now }],
      );
      const roles = inserted.flatMap((user) =>
        [...new Set(user.roles)].map((role) => ({ user_id: user.id, role_name: role, granted_at: now })),
      );
      for (const chunk of chunks(credentials, ROWS_PER_STATEMENT))
        await tx.insertInto('credentials').values(chunk).execute();
      for (const chunk of chunks(profiles, ROWS_PER_STATEMENT))
        await tx.insertInto('user_profiles').values(chunk).execute();
      for (const chunk of chunks(roles, ROWS_PER_STATEMENT))
        await tx.insertInto('user_roles').values(chunk).execute();
      return created;
    });
  }
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
