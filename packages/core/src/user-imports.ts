import type { UserProfile } from './user-profile.ts';

/**
 * One person brought over from another system, ready to store: a canonical email, an id, the
 * password hash in Gatehouse's stored form (argon2/bcrypt as they came, PBKDF2 and Firebase scrypt
 * rewritten self-describing), and what the account had there.
 */
export interface ImportedUser {
  readonly id: string;
  /** Canonical (see `canonicalEmail`). */
  readonly email: string;
  readonly disabled: boolean;
  /** The source system's word that the owner receives mail at `email`. */
  readonly emailVerified: boolean;
  readonly passwordHash?: string | undefined;
  /** Empty profiles are not stored. */
  readonly profile?: UserProfile | undefined;
  /** Names of roles that exist. */
  readonly roles: readonly string[];
}

/**
 * Bulk insertion for imports: many users per round trip and per transaction, which one
 * `UserRepository.create` at a time cannot give. Separate from `UserRepository` because only the
 * import uses it.
 */
export interface UserImportStore {
  /**
   * Inserts users of kind `user` with their password hashes, profiles and role bindings, all in
   * one transaction. A user whose email, look-alike email (`emailSkeleton`) or id is already
   * taken — by a stored user or an earlier one of the same batch — inserts nothing. Returns the
   * ids of the users created.
   */
  insertBatch(users: readonly ImportedUser[], now: number): Promise<ReadonlySet<string>>;
}
