import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { signingKeysMigration } from './migrations/0002_signing_keys.ts';
import { tokensMigration } from './migrations/0003_tokens.ts';
import { apiKeysMigration } from './migrations/0004_api_keys.ts';
import { policiesMigration } from './migrations/0005_policies.ts';
import { oauthMigration } from './migrations/0006_oauth.ts';
import { userProfilesMigration } from './migrations/0007_user_profiles.ts';
import { oauthClientAuthMethodMigration } from './migrations/0008_oauth_client_auth_method.ts';
import { emailSkeletonMigration } from './migrations/0009_email_skeleton.ts';
import { oauthClientIdTokenAlgMigration } from './migrations/0010_oauth_client_id_token_alg.ts';
import { rs256SigningKeysMigration } from './migrations/0011_rs256_signing_keys.ts';
import { oauthClientPreviousSecretMigration } from './migrations/0012_oauth_client_previous_secret.ts';
import { oauthRefreshTokensMigration } from './migrations/0013_oauth_refresh_tokens.ts';
import { mailOutboxMigration } from './migrations/0014_mail_outbox.ts';
import { accountLifecycleMigration } from './migrations/0015_account_lifecycle.ts';
import { secondFactorsMigration } from './migrations/0016_second_factors.ts';
import type { Database, SqlDialect } from './schema.ts';

/**
 * Migrations live in code, keyed by name; the names sort in the order they apply. Never edit a
 * migration that has shipped: add a new one.
 */
function migrations(dialect: SqlDialect): Record<string, Migration> {
  // Both are 64-bit in practice; SQLite's INTEGER is variable width, PostgreSQL's integer is 32 bit.
  const time = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('email', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .addUniqueConstraint('users_email_unique', ['email'])
          .execute();

        await db.schema
          .createTable('credentials')
          .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('sessions')
          .addColumn('id_hash', 'text', (c) => c.primaryKey())
          .addColumn('public_id', 'text', (c) => c.notNull().unique())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('last_seen_at', time, (c) => c.notNull())
          .addColumn('idle_expires_at', time, (c) => c.notNull())
          .addColumn('absolute_expires_at', time, (c) => c.notNull())
          .addColumn('auth_method', 'text', (c) => c.notNull())
          .addColumn('auth_time', time, (c) => c.notNull())
          .addColumn('ip', 'text', (c) => c.notNull())
          .addColumn('user_agent', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();
        await db.schema
          .createIndex('sessions_absolute_expires_at')
          .on('sessions')
          .column('absolute_expires_at')
          .execute();
        // The expiry sweep also matches on idle expiry; without this index it would scan the table.
        await db.schema
          .createIndex('sessions_idle_expires_at')
          .on('sessions')
          .column('idle_expires_at')
          .execute();

        await db.schema
          .createTable('roles')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('permissions', 'text', (c) => c.notNull())
          .addColumn('created_at', time, (c) => c.notNull())
          .addColumn('updated_at', time, (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('user_roles')
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('role_name', 'text', (c) => c.notNull().references('roles.name').onDelete('cascade'))
          .addColumn('granted_at', time, (c) => c.notNull())
          .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role_name'])
          .execute();
        // The primary key serves lookups by user; deleting a role's assignments needs this one.
        await db.schema.createIndex('user_roles_role_name').on('user_roles').column('role_name').execute();

        await db.schema
          .createTable('audit_events')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at', time, (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('actor_id', 'text')
          .addColumn('subject_id', 'text')
          .addColumn('ip', 'text')
          .addColumn('request_id', 'text')
          .addColumn('details', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
        await db.schema
          .createIndex('audit_events_subject_id')
          .on('audit_events')
          .column('subject_id')
          .execute();

        await db.schema
          .createTable('counters')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addColumn('reset_at', time, (c) => c.notNull())
          .execute();
      },
    },
    '0002_signing_keys': signingKeysMigration(dialect),
    '0003_tokens': tokensMigration(dialect),
    '0004_api_keys': apiKeysMigration(dialect),
    '0005_policies': policiesMigration(dialect),
    '0006_oauth': oauthMigration(dialect),
    '0007_user_profiles': userProfilesMigration(dialect),
    '0008_oauth_client_auth_method': oauthClientAuthMethodMigration(),
    '0009_email_skeleton': emailSkeletonMigration(),
    '0010_oauth_client_id_token_alg': oauthClientIdTokenAlgMigration(),
    '0011_rs256_signing_keys': rs256SigningKeysMigration(dialect),
    '0012_oauth_client_previous_secret': oauthClientPreviousSecretMigration(time),
    '0013_oauth_refresh_tokens': oauthRefreshTokensMigration(),
    '0014_mail_outbox': mailOutboxMigration(time),
    '0015_account_lifecycle': accountLifecycleMigration(time),
    '0016_second_factors': secondFactorsMigration(time),
  };
}

class InCodeMigrationProvider implements MigrationProvider {
  readonly #dialect: SqlDialect;
  constructor(dialect: SqlDialect) {
    this.#dialect = dialect;
  }
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.#dialect);
  }
}

export interface MigrationTarget {
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialect;
  /** PostgreSQL schema holding the tables (and Kysely's bookkeeping tables); default: search_path. */
  readonly schema?: string | undefined;
}

/** Applies pending migrations and returns their names (empty when up to date). */
export async function migrateToLatest(target: MigrationTarget): Promise<string[]> {
  const migrator = new Migrator({
    db: target.db,
    provider: new InCodeMigrationProvider(target.dialect),
    ...(target.schema === undefined ? {} : { migrationTableSchema: target.schema }),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName ?? 'unknown migration';
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Database migration failed at ${failed}: ${reason}`, { cause: error });
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
