import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../schema.ts';

/** Signing keys of the key ring (filled in by the key-ring work). */
export function signingKeysMigration(_dialect: SqlDialect): Migration {
  return {
    async up(_db: Kysely<unknown>) {},
  };
}
