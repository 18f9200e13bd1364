import type { Kysely, Migration } from 'kysely';

/**
 * The secret an OAuth client's rotation replaced, still accepted until its expiry (the overlap
 * window); NULL on every row before, as after the window or an early revocation.
 */
export function oauthClientPreviousSecretMigration(time: 'bigint' | 'integer'): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('oauth_clients').addColumn('previous_secret_hash', 'text').execute();
      await db.schema.alterTable('oauth_clients').addColumn('previous_secret_expires_at', time).execute();
    },
  };
}
