import type { Kysely, Migration } from 'kysely';

/**
 * The account lifecycle (issue 18): whether a user proved their address (`users.email_verified`,
 * 0 for every existing row: nothing proved them), and the single-use tokens the emailed links
 * carry (`account_tokens`): only their SHA-256 is kept, each bound to one purpose, one user and the
 * address it was sent to, and gone with its user.
 */
export function accountLifecycleMigration(time: 'bigint' | 'integer'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('users')
        .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('account_tokens')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('expires_at', time, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('account_tokens_user_purpose')
        .on('account_tokens')
        .columns(['user_id', 'purpose'])
        .execute();
      await db.schema
        .createIndex('account_tokens_expires_at')
        .on('account_tokens')
        .column('expires_at')
        .execute();
    },
  };
}
