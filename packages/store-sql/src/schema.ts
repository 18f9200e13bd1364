import type { ColumnType, Generated } from 'kysely';
import type { ApiKeyTables } from './schema/api-keys.ts';
import type { MailOutboxTables } from './schema/mail-outbox.ts';
import type { OAuthTables } from './schema/oauth.ts';
import type { PolicyTables } from './schema/policies.ts';
import type { SecondFactorTables } from './schema/second-factors.ts';
import type { SigningKeyTables } from './schema/signing-keys.ts';
import type { TokenTables } from './schema/tokens.ts';

/**
 * Kysely table types. Times are milliseconds since the epoch (`bigint` in PostgreSQL, read back as
 * numbers by the pool's int8 parser; `integer` in SQLite). Booleans are 0/1 integers and lists and
 * maps are JSON text, so one schema serves both dialects.
 */
export interface UsersTable {
  id: string;
  email: string;
  /**
   * `emailSkeleton(email)`, unique; NULL only for rows that already collided before 0009. Every
   * insert must give one (a NULL would escape the look-alike check).
   */
  email_skeleton: ColumnType<string | null, string, string>;
  kind: string;
  disabled: number;
  /** 0/1, added by 0015 (existing rows 0: nothing had proved them). */
  email_verified: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface UserProfilesTable {
  user_id: string;
  /** JSON: the OpenID Connect standard claims (core `UserProfile`). */
  claims: string;
  updated_at: number;
}

export interface CredentialsTable {
  user_id: string;
  password_hash: string;
  updated_at: number;
}

export interface SessionsTable {
  id_hash: string;
  public_id: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  idle_expires_at: number;
  absolute_expires_at: number;
  auth_method: string;
  auth_time: number;
  ip: string;
  user_agent: string;
}

export interface RolesTable {
  name: string;
  description: string;
  /** JSON array of permission strings. */
  permissions: string;
  created_at: number;
  updated_at: number;
}

export interface UserRolesTable {
  user_id: string;
  role_name: string;
  granted_at: number;
}

export interface AuditEventsTable {
  id: string;
  at: number;
  type: string;
  actor_id: string | null;
  subject_id: string | null;
  ip: string | null;
  request_id: string | null;
  /** JSON object of scalar details. */
  details: string;
}

export interface CountersTable {
  key: string;
  count: number;
  reset_at: number;
}

/** Single-use tokens of emailed links (0015); only the SHA-256 of each token. */
export interface AccountTokensTable {
  id_hash: string;
  purpose: string;
  user_id: string;
  email: string;
  created_at: number;
  expires_at: number;
}

export interface Database
  extends SigningKeyTables,
    TokenTables,
    ApiKeyTables,
    PolicyTables,
    OAuthTables,
    MailOutboxTables,
    SecondFactorTables {
  users: UsersTable;
  user_profiles: UserProfilesTable;
  credentials: CredentialsTable;
  sessions: SessionsTable;
  roles: RolesTable;
  user_roles: UserRolesTable;
  audit_events: AuditEventsTable;
  counters: CountersTable;
  account_tokens: AccountTokensTable;
}

export type SqlDialect = 'sqlite' | 'postgres';
