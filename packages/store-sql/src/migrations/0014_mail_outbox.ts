import type { Kysely, Migration } from 'kysely';

/**
 * The mail outbox. Claims look up pending messages by due time, the retention sweep finished ones
 * by finish time, the operator's view by creation time: one index each.
 */
export function mailOutboxMigration(time: 'bigint' | 'integer'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('mail_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('sealed', 'text')
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('next_attempt_at', time, (c) => c.notNull())
        .addColumn('lease_until', time)
        .addColumn('lease_owner', 'text')
        .addColumn('finished_at', time)
        .addColumn('last_error', 'text')
        .execute();
      await db.schema
        .createIndex('mail_outbox_due')
        .on('mail_outbox')
        .columns(['status', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('mail_outbox_finished_at')
        .on('mail_outbox')
        .column('finished_at')
        .execute();
      await db.schema.createIndex('mail_outbox_created_at').on('mail_outbox').column('created_at').execute();
    },
  };
}
