import type { Kysely, Migration } from 'kysely';

/**
 * The algorithm an OAuth client registered for its ID tokens (RS256); NULL, as on every row
 * written before, is the server's own algorithm.
 */
export function oauthClientIdTokenAlgMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('oauth_clients').addColumn('id_token_alg', 'text').execute();
    },
  };
}
