import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../schema.ts';
import { createSigningKeyTable } from './0002_signing_keys.ts';

/**
 * The RS256 key ring kept beside the configured algorithm's ring (ID tokens of clients registered
 * for RS256): the same columns and the same one-active, one-next indexes, in a table of its own so
 * each ring rotates under its own compare-and-set.
 */
export function rs256SigningKeysMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await createSigningKeyTable(db, dialect, 'rs256_signing_keys');
    },
  };
}
