import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../schema.ts';

/** Refresh-token families and the revocation index (filled in by the token work). */
export function tokensMigration(_dialect: SqlDialect): Migration {
  return {
    async up(_db: Kysely<unknown>) {},
  };
}
