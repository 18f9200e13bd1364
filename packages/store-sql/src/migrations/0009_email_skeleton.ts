import { emailSkeleton } from '@gatehouse/core';
import type { Kysely, Migration } from 'kysely';

interface Users {
  users: { id: string; email: string; email_skeleton: string | null; created_at: number };
}

/**
 * Each user's look-alike key (`emailSkeleton`), unique like the email, so an address that only
 * looks like a taken one is refused by the constraint, atomically (issue 15 #6). Existing rows are
 * filled in here, oldest first; a row whose skeleton an older one already holds keeps NULL (which
 * the unique index does not compare): such accounts predate the protection and go on working.
 * `select email from users where email_skeleton is null` lists them.
 */
export function emailSkeletonMigration(): Migration {
  return {
    async up(untyped: Kysely<unknown>) {
      const db = untyped as Kysely<Users>;
      await db.schema.alterTable('users').addColumn('email_skeleton', 'text').execute();
      // One transaction for the backfill (PostgreSQL migrations already run in one; SQLite's don't).
      const backfill = async (trx: Kysely<Users>) => {
        const rows = await trx
          .selectFrom('users')
          .select(['id', 'email'])
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        const claimed = new Set<string>();
        for (const { id, email } of rows) {
          const skeleton = emailSkeleton(email);
          if (claimed.has(skeleton)) continue;
          claimed.add(skeleton);
          await trx.updateTable('users').set({ email_skeleton: skeleton }).where('id', '=', id).execute();
        }
      };
      await (db.isTransaction ? backfill(db) : db.transaction().execute(backfill));
      await db.schema
        .createIndex('users_email_skeleton_unique')
        .on('users')
        .column('email_skeleton')
        .unique()
        .execute();
    },
  };
}
