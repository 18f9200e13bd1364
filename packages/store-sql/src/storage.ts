import {
  InProcessRateLimiter,
  type InvalidationBus,
  LocalInvalidationBus,
  type Storage,
} from '@gatehouse/core';
import type { Kysely } from 'kysely';
import { openDatabase, pingDatabase, probePostgres, type SqlDatabase } from './database.ts';
import { migrateToLatest } from './migrations.ts';
import { SqlAccountTokenStore } from './repositories/account-tokens.ts';
import { SqlApiKeyStore } from './repositories/api-keys.ts';
import { SqlAuditLog } from './repositories/audit.ts';
import { SqlCounterStore } from './repositories/counters.ts';
import { SqlCredentialRepository } from './repositories/credentials.ts';
import { SqlLoginTransactionStore } from './repositories/login-transactions.ts';
import { SqlMailOutboxStore } from './repositories/mail-outbox.ts';
import { SqlOAuthArtifactStore } from './repositories/oauth-artifacts.ts';
import { SqlOAuthClientStore } from './repositories/oauth-clients.ts';
import { SqlPolicyDocumentRepository } from './repositories/policies.ts';
import { SqlRecoveryCodeStore } from './repositories/recovery-codes.ts';
import { SqlRefreshTokenStore } from './repositories/refresh-tokens.ts';
import { SqlRevocationStore } from './repositories/revocations.ts';
import { SqlRoleRepository } from './repositories/roles.ts';
import { SqlSecondFactorStore } from './repositories/second-factors.ts';
import { SqlServiceAccountStore } from './repositories/service-accounts.ts';
import { SqlSessionStore } from './repositories/sessions.ts';
import { SqlSigningKeyStore } from './repositories/signing-keys.ts';
import { SqlUserImportStore } from './repositories/user-imports.ts';
import { SqlUserProfileRepository } from './repositories/user-profiles.ts';
import { SqlUserRepository } from './repositories/users.ts';
import type { Database, SqlDialect } from './schema.ts';

export interface SqlStorageOptions {
  /** See `openDatabase`: a PostgreSQL URL or a SQLite path. */
  url: string;
  /** PostgreSQL only: the schema to keep the tables in. */
  schema?: string;
  /** PostgreSQL only: the pool size (default 10). */
  maxConnections?: number;
  /** PostgreSQL only: see `openDatabase`. */
  statementTimeoutMs?: number;
  /** PostgreSQL only: see `openDatabase`. */
  connectTimeoutMs?: number;
  /** PostgreSQL only: see `openDatabase`. */
  failFast?: () => Error | undefined;
  /** Defaults to an in-process bus; pass a Redis bus when running several nodes. */
  bus?: InvalidationBus;
  /** The in-process rate limiter's clock (SQL keeps no rate-limit buckets); defaults to `Date.now`. */
  now?: () => number;
}

export interface SqlStorage extends Storage {
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialect;
  /** One round trip for health checks (PostgreSQL: on a connection outside the pool). */
  probe(timeoutMs: number): Promise<void>;
  /** Applies pending migrations; returns their names. Not run implicitly: the server decides when. */
  migrate(): Promise<string[]>;
}

export async function createSqlStorage(options: SqlStorageOptions): Promise<SqlStorage> {
  const database = await openDatabase({
    url: options.url,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
    ...(options.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: options.statementTimeoutMs }),
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.failFast === undefined ? {} : { failFast: options.failFast }),
  });
  const { db } = database;
  return {
    db,
    dialect: database.dialect,
    users: new SqlUserRepository(db),
    profiles: new SqlUserProfileRepository(db),
    accountTokens: new SqlAccountTokenStore(db),
    credentials: new SqlCredentialRepository(db),
    userImports: new SqlUserImportStore(db),
    sessions: new SqlSessionStore(db),
    roles: new SqlRoleRepository(db),
    audit: new SqlAuditLog(db),
    counters: new SqlCounterStore(db),
    bus: options.bus ?? new LocalInvalidationBus(),
    refreshTokens: new SqlRefreshTokenStore(db),
    revocations: new SqlRevocationStore(db),
    apiKeys: new SqlApiKeyStore(db),
    serviceAccounts: new SqlServiceAccountStore(db),
    signingKeys: new SqlSigningKeyStore(db, database.dialect),
    rs256SigningKeys: new SqlSigningKeyStore(db, database.dialect, 'rs256_signing_keys'),
    oauthClients: new SqlOAuthClientStore(db),
    oauthArtifacts: new SqlOAuthArtifactStore(db),
    policies: new SqlPolicyDocumentRepository(db),
    mailOutbox: new SqlMailOutboxStore(db, database.dialect),
    secondFactors: new SqlSecondFactorStore(db),
    recoveryCodes: new SqlRecoveryCodeStore(db),
    loginTransactions: new SqlLoginTransactionStore(db),
    rateLimiter: new InProcessRateLimiter(options.now === undefined ? {} : { now: options.now }),
    migrate: () => migrate(database, options),
    ping: () => pingDatabase(db),
    probe: (timeoutMs) =>
      database.dialect === 'postgres' ? probePostgres(options.url, timeoutMs) : pingDatabase(db),
    close: () => database.close(),
  };
}

/**
 * A migration may rightly take longer than any request should (an index on a big table), so on
 * PostgreSQL with a statement timeout it runs on a connection of its own without one.
 */
async function migrate(database: SqlDatabase, options: SqlStorageOptions): Promise<string[]> {
  if (database.dialect !== 'postgres' || !options.statementTimeoutMs) return migrateToLatest(database);
  const unbounded = await openDatabase({
    url: options.url,
    maxConnections: 1,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
  });
  try {
    return await migrateToLatest(unbounded);
  } finally {
    await unbounded.close();
  }
}
