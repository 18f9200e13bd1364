import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialect } from '../schema.ts';

/**
 * Signing keys of the key ring. Status and algorithm are validated by the application, not by CHECK
 * constraints, so a later state or algorithm needs no table rebuild in SQLite. The two partial
 * unique indexes are what make rotation safe across nodes: one `active` key, one `next` key.
 */
export function signingKeysMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await createSigningKeyTable(db, dialect, 'signing_keys');
    },
  };
}

/** A key ring's table (`signing_keys` and, since 0011, `rs256_signing_keys`): one active, one next key. */
export async function createSigningKeyTable(
  db: Kysely<unknown>,
  dialect: SqlDialect,
  table: string,
): Promise<void> {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  await db.schema
    .createTable(table)
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('sealed_private_key', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('activated_at', time)
    .addColumn('retired_at', time)
    .addColumn('remove_after', time)
    .execute();
  for (const status of ['active', 'next'] as const) {
    await db.schema
      .createIndex(`${table}_one_${status}`)
      .on(table)
      .column('status')
      .unique()
      .where(sql.ref('status'), '=', status)
      .execute();
  }
}
