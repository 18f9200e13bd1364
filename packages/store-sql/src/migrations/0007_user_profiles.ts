import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../schema.ts';

/** Users' OpenID Connect profiles (standard claims as JSON), apart from the identity row. */
export function userProfilesMigration(dialect: SqlDialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('user_profiles')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('claims', 'text', (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();
    },
  };
}
