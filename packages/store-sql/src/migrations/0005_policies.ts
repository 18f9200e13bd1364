import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../schema.ts';

/** Policy documents managed through the admin API; the version is the optimistic-concurrency ETag. */
export function policiesMigration(dialect: SqlDialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('policy_documents')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .addColumn('updated_by', 'text')
        .execute();
    },
  };
}
