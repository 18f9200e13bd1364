import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../schema.ts';

/** OAuth 2.0 / OpenID Connect: the engine's artifacts and our registered clients. */
export function oauthMigration(dialect: SqlDialect): Migration {
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('oauth_artifacts')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text')
        .addColumn('user_code', 'text')
        .addColumn('uid', 'text')
        .addColumn('account_id', 'text')
        .addColumn('expires_at', time, (c) => c.notNull())
        .addColumn('consumed_at', time)
        .addPrimaryKeyConstraint('oauth_artifacts_pk', ['model', 'id'])
        .execute();
      // Grant-wide revocation, and the two secondary lookups the engine makes.
      await db.schema.createIndex('oauth_artifacts_grant').on('oauth_artifacts').column('grant_id').execute();
      await db.schema
        .createIndex('oauth_artifacts_uid')
        .on('oauth_artifacts')
        .columns(['model', 'uid'])
        .execute();
      await db.schema
        .createIndex('oauth_artifacts_user_code')
        .on('oauth_artifacts')
        .columns(['model', 'user_code'])
        .execute();
      await db.schema
        .createIndex('oauth_artifacts_account')
        .on('oauth_artifacts')
        .columns(['model', 'account_id'])
        .execute();
      await db.schema
        .createIndex('oauth_artifacts_expires_at')
        .on('oauth_artifacts')
        .column('expires_at')
        .execute();

      await db.schema
        .createTable('oauth_clients')
        .addColumn('client_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text')
        .addColumn('jwks', 'text')
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
        .addColumn('grant_types', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('resources', 'text', (c) => c.notNull())
        .addColumn('audience', 'text')
        .addColumn('created_at', time, (c) => c.notNull())
        .addColumn('updated_at', time, (c) => c.notNull())
        .execute();
    },
  };
}
