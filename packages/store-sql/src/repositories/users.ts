import {
  emailSkeleton,
  type IdentityKind,
  type NewEmail,
  type NewUser,
  type UserRecord,
  type UserRepository,
} from '@gatehouse/core';
import type { Kysely, Selectable } from 'kysely';
import type { Database, UsersTable } from '../schema.ts';

export class SqlUserRepository implements UserRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(user: NewUser): Promise<UserRecord | undefined> {
    // The unique constraints decide, atomically: a taken email, or a look-alike of one (the same
    // skeleton), inserts nothing and returns no row. ON CONFLICT rather than catching the violation
    // keeps a surrounding PostgreSQL transaction usable; it names no column because two constraints
    // answer (the third, the id, is 128 random bits).
    const row = await this.#db
      .insertInto('users')
      .values({
        id: user.id,
        email: user.email,
        email_skeleton: emailSkeleton(user.email),
        kind: user.kind,
        disabled: 0,
        email_verified: 0,
        created_at: user.now,
        updated_at: user.now,
      })
      .onConflict((conflict) => conflict.doNothing())
      .returningAll()
      .executeTakeFirst();
    return row && toUser(row);
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async findByEmail(canonicalEmail: string): Promise<UserRecord | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', canonicalEmail)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async list(options: { limit: number; offset: number }): Promise<UserRecord[]> {
    const rows = await this.#db
      .selectFrom('users')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(options.limit)
      .offset(options.offset)
      .execute();
    return rows.map(toUser);
  }

  async setDisabled(id: string, disabled: boolean, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('users')
      .set({ disabled: disabled ? 1 : 0, updated_at: now })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async setEmailVerified(id: string, verified: boolean, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('users')
      .set({ email_verified: verified ? 1 : 0, updated_at: now })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async changeEmail(change: NewEmail): Promise<'changed' | 'taken' | 'not_found'> {
    // The unique constraints decide, as in `create`; the NOT EXISTS makes the usual case a plain
    // "no row updated" rather than a violation (which would abort a surrounding PostgreSQL
    // transaction), and the constraint still settles a race between two changes.
    const skeleton = emailSkeleton(change.email);
    try {
      const result = await this.#db
        .updateTable('users')
        .set({
          email: change.email,
          email_skeleton: skeleton,
          email_verified: change.verified ? 1 : 0,
          updated_at: change.now,
        })
        .where('id', '=', change.id)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('users as other')
                .select('other.id')
                .where('other.id', '<>', change.id)
                .where((o) =>
                  o.or([o('other.email', '=', change.email), o('other.email_skeleton', '=', skeleton)]),
                ),
            ),
          ),
        )
        .executeTakeFirst();
      if (result.numUpdatedRows > 0n) return 'changed';
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return 'taken';
    }
    return (await this.findById(change.id)) === undefined ? 'not_found' : 'taken';
  }

  async delete(id: string): Promise<boolean> {
    // The foreign keys (ON DELETE CASCADE) take credentials, profile, role bindings, sessions,
    // refresh tokens and API keys with the row, in the same statement.
    const result = await this.#db
      .deleteFrom('users')
      .where('id', '=', id)
      .where('kind', '=', 'user')
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    email: row.email,
    kind: identityKind(row.kind),
    disabled: Number(row.disabled) !== 0,
    emailVerified: Number(row.email_verified) !== 0,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function identityKind(value: string): IdentityKind {
  if (value === 'user' || value === 'service') return value;
  throw new Error(`users.kind has an unknown value: ${value}`);
}

/** PostgreSQL's unique_violation, or SQLite's UNIQUE constraint failure. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
