import type { Kysely, Migration } from 'kysely';

/**
 * The one way an OAuth client authenticates (Basic header or request body for a secret). Rows
 * written before keep NULL, read as the method their type implies (Basic for a secret).
 */
export function oauthClientAuthMethodMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('oauth_clients').addColumn('auth_method', 'text').execute();
    },
  };
}
