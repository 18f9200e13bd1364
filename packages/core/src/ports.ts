import type { AccountTokenStore } from './account-lifecycle/account-tokens.ts';
import type { ApiKeyStore, ServiceAccountStore } from './api-keys/records.ts';
import type { MailOutboxStore } from './mail-outbox.ts';
import type { OAuthArtifactStore } from './oauth-artifacts.ts';
import type { OAuthClientStore } from './oauth-clients.ts';
import type { PolicyDocumentRepository } from './policy/store.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { RefreshTokenStore } from './refresh-tokens.ts';
import type { RevocationEntry, RevocationStore } from './revocations.ts';
import type {
  LoginTransactionStore,
  RecoveryCodeStore,
  SecondFactorStore,
} from './second-factors/records.ts';
import type { SessionRecord } from './session.ts';
import type { SigningKeyStore } from './signing-keys.ts';
import type { UserImportStore } from './user-imports.ts';
import type { UserProfile } from './user-profile.ts';

/**
 * Storage and infrastructure ports. Each is narrow and split by role; security-critical atomic
 * operations are methods (`increment`, `deleteByUser`), not conventions. Adapters live in
 * `@gatehouse/store-sql` and `@gatehouse/store-redis`; all pass the suites in `@gatehouse/testkit`.
 */

export type IdentityKind = 'user' | 'service';

export interface UserRecord {
  readonly id: string;
  /** Canonical email (see `canonicalEmail`); unique, and so is its look-alike `emailSkeleton`. */
  readonly email: string;
  readonly kind: IdentityKind;
  readonly disabled: boolean;
  /** The owner proved they receive mail at `email` (a link or code sent there, or an invitation). */
  readonly emailVerified: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewUser {
  id: string;
  email: string;
  kind: IdentityKind;
  now: number;
}

export interface NewEmail {
  id: string;
  email: string;
  verified: boolean;
  now: number;
}

/** Profiles (OIDC standard claims), one per user, replaced as a whole. */
export interface UserProfileRepository {
  /** The stored profile; an empty one when none was ever set. */
  get(userId: string): Promise<UserProfile>;
  /** Replaces the profile; false when no such user exists. */
  set(userId: string, profile: UserProfile, now: number): Promise<boolean>;
}

export interface UserRepository {
  /**
   * Returns `undefined` when the email is taken, or an address that looks like it: the same
   * `emailSkeleton`, which the store keeps with the email. Both are decided atomically, by unique
   * constraints.
   */
  create(user: NewUser): Promise<UserRecord | undefined>;
  findById(id: string): Promise<UserRecord | undefined>;
  findByEmail(canonicalEmail: string): Promise<UserRecord | undefined>;
  list(options: { limit: number; offset: number }): Promise<UserRecord[]>;
  /** Returns false when no such user exists. */
  setDisabled(id: string, disabled: boolean, now: number): Promise<boolean>;
  /** Returns false when no such user exists. */
  setEmailVerified(id: string, verified: boolean, now: number): Promise<boolean>;
  /**
   * Moves the user to another canonical address, with its verified flag, atomically under the
   * same rules as `create`: `taken` when the address or a look-alike (same `emailSkeleton`) belongs
   * to another identity.
   */
  changeEmail(change: NewEmail): Promise<'changed' | 'taken' | 'not_found'>;
  /**
   * Deletes a user of kind `user` with everything stored under it (credentials, profile, role
   * bindings, and in the SQL store its sessions, refresh tokens and API keys, by foreign key);
   * the email is free again. False when no such user (a service account is not one).
   */
  delete(id: string): Promise<boolean>;
}

export interface CredentialRepository {
  getPasswordHash(userId: string): Promise<string | undefined>;
  setPasswordHash(userId: string, hash: string, now: number): Promise<void>;
}

export interface SessionStore {
  create(record: SessionRecord): Promise<void>;
  /** The stored record or undefined; callers still check expiry (a store may keep expired rows). */
  get(idHash: string): Promise<SessionRecord | undefined>;
  /** Records activity (rolling renewal). No-op when the session is gone. */
  touch(idHash: string, lastSeenAt: number, idleExpiresAt: number): Promise<void>;
  delete(idHash: string): Promise<boolean>;
  listByUser(userId: string): Promise<SessionRecord[]>;
  /** Deletes every session of the user except `exceptIdHash`; returns how many were deleted. */
  deleteByUser(userId: string, exceptIdHash?: string): Promise<number>;
  /** Removes expired records (stores with native TTLs may do nothing). */
  deleteExpired(now: number): Promise<number>;
}

export interface RoleRecord {
  readonly name: string;
  readonly description: string;
  readonly permissions: readonly string[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface RoleRepository {
  /** Creates or replaces the role's description and permissions. */
  upsert(role: {
    name: string;
    description: string;
    permissions: readonly string[];
    now: number;
  }): Promise<RoleRecord>;
  get(name: string): Promise<RoleRecord | undefined>;
  list(): Promise<RoleRecord[]>;
  /** Deletes the role and its assignments. */
  delete(name: string): Promise<boolean>;
  /** Returns false when the user already holds the role. */
  grant(userId: string, roleName: string, now: number): Promise<boolean>;
  /** Returns false when the user did not hold the role. */
  revoke(userId: string, roleName: string): Promise<boolean>;
  rolesOf(userId: string): Promise<string[]>;
  /** Union of the permissions of every role the user holds. */
  permissionsOf(userId: string): Promise<string[]>;
}

export type AuditEventType =
  | 'login.succeeded'
  | 'mfa.enrolled'
  | 'mfa.removed'
  | 'mfa.reset'
  | 'mfa.recovery_codes_regenerated'
  | 'mfa.recovery_code_used'
  | 'login.failed'
  | 'login.throttled'
  | 'logout'
  | 'session.revoked'
  | 'sessions.revoked_all'
  | 'sessions.revoked_everyone'
  | 'signing_key.revoked'
  | 'signing_key.rotated'
  | 'user.created'
  | 'users.imported'
  | 'user.disabled'
  | 'user.enabled'
  | 'user.deleted'
  | 'user.profile_updated'
  | 'password.changed'
  | 'password.reset_requested'
  | 'password.reset'
  | 'email.verified'
  | 'email.change_requested'
  | 'email.changed'
  | 'email.change_undone'
  | 'user.signed_up'
  | 'invitation.sent'
  | 'invitation.accepted'
  | 'account_mail.throttled'
  | 'role.upserted'
  | 'role.deleted'
  | 'role.granted'
  | 'role.revoked'
  | 'csrf.refused'
  | 'access.denied'
  | 'token.issued'
  | 'token.refreshed'
  | 'token.reuse_detected'
  | 'token.revoked'
  | 'api_key.created'
  | 'api_key.rotated'
  | 'api_key.revoked'
  | 'api_key.denied'
  | 'service_account.created'
  | 'service_account.updated'
  | 'service_account.deleted'
  | 'policy.put'
  | 'policy.deleted'
  | 'oauth.consent.granted'
  | 'oauth.consent.denied'
  | 'oauth.login.cancelled'
  | 'oauth.grant.revoked'
  | 'oauth.client.created'
  | 'oauth.client.secret_rotated'
  | 'oauth.client.previous_secret_revoked'
  | 'oauth.client.deleted';

export interface AuditEvent {
  readonly id: string;
  readonly at: number;
  readonly type: AuditEventType;
  /** Who did it (user id), when known. */
  readonly actorId: string | null;
  /** Whom or what it concerned (user id, role name). */
  readonly subjectId: string | null;
  readonly ip: string | null;
  readonly requestId: string | null;
  /** Non-secret details; never passwords, tokens or cookies. */
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
}

export interface AuditLog {
  record(event: AuditEvent): Promise<void>;
  list(options: { limit: number; type?: AuditEventType; subjectId?: string }): Promise<AuditEvent[]>;
}

export interface CounterStore {
  /**
   * Atomically adds one to `key` in a fixed window of `windowMs` starting at the first hit and
   * returns the new count and when the window ends. Safe under concurrency and across nodes.
   */
  increment(key: string, windowMs: number, now: number): Promise<{ count: number; resetAt: number }>;
  reset(key: string): Promise<void>;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** True when the hash was made with other parameters than the current ones. */
  needsRehash(hash: string): boolean;
}

/** Cache invalidations between server nodes (in process by default, Redis pub/sub when configured). */
export type Invalidation =
  | { type: 'session.revoked'; idHash: string }
  | { type: 'user.sessions_revoked'; userId: string }
  | { type: 'user.changed'; userId: string }
  | { type: 'roles.changed' }
  | { type: 'policies.changed' }
  | { type: 'revocations.added'; entries: RevocationEntry[] }
  /**
   * Delivered locally only, by a bus that may have lost messages (its subscription dropped and was
   * re-established): every cache fed by the bus is dropped, the revocation index catches up.
   */
  | { type: 'invalidations.missed' };

export interface InvalidationBus {
  publish(message: Invalidation): Promise<void>;
  subscribe(handler: (message: Invalidation) => void): () => void;
}

/**
 * Everything the domain needs from persistence, as one bundle: every port, and nothing of the
 * adapters behind it (no connection, no dialect). Only the server's composition root
 * (`packages/server/src/stores/open-storage.ts`) names adapters; `memoryStorage()` in
 * `@gatehouse/testkit` is the reference, and every port has a conformance suite there.
 */
export interface Storage {
  readonly users: UserRepository;
  readonly profiles: UserProfileRepository;
  /** Single-use tokens of emailed links (verification, reset, email change, invitations). */
  readonly accountTokens: AccountTokenStore;
  readonly credentials: CredentialRepository;
  /** Bulk insertion of users brought over from another system (`gatehouse users import`). */
  readonly userImports: UserImportStore;
  readonly sessions: SessionStore;
  readonly roles: RoleRepository;
  readonly audit: AuditLog;
  readonly counters: CounterStore;
  readonly bus: InvalidationBus;
  readonly refreshTokens: RefreshTokenStore;
  /** The sequenced revocation log behind `RevocationIndex` and the feed. */
  readonly revocations: RevocationStore;
  readonly apiKeys: ApiKeyStore;
  readonly serviceAccounts: ServiceAccountStore;
  /** The ring of the configured algorithm (`GATEHOUSE_SIGNING_ALG`). */
  readonly signingKeys: SigningKeyStore;
  /** The RS256 ring beside it, for ID tokens of clients registered for RS256. */
  readonly rs256SigningKeys: SigningKeyStore;
  readonly oauthClients: OAuthClientStore;
  /** Every OAuth artifact, unless `shortLivedOAuthArtifacts` takes the short-lived ones. */
  readonly oauthArtifacts: OAuthArtifactStore;
  /** Codes, interactions, sessions… in a store with native TTLs, when one is configured. */
  readonly shortLivedOAuthArtifacts?: OAuthArtifactStore | undefined;
  /** Policy documents managed through the admin API. */
  readonly policies: PolicyDocumentRepository;
  /** Per-key request limits (API keys); shared across nodes when the backend is. */
  readonly rateLimiter: RateLimiter;
  /** Outgoing email waiting for the delivery worker (mail-outbox.ts). */
  readonly mailOutbox: MailOutboxStore;
  /** TOTP factors (secrets sealed), recovery codes (hashed) and pending logins (issue 19). */
  readonly secondFactors: SecondFactorStore;
  readonly recoveryCodes: RecoveryCodeStore;
  readonly loginTransactions: LoginTransactionStore;
  /** Throws when a backing service is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
