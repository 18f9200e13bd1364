import type { SecondFactor } from '../login-transaction.ts';

/**
 * Second factors at rest (issue 19). Ports only: the SQL stores, the memory reference (testkit)
 * and the conformance suite implement them. Security-critical steps are single operations:
 * accepting a TOTP time-step is a compare-and-set, a recovery code and a login transaction are
 * taken by the operation that reads them.
 */
export type SecondFactorKind = 'totp';

export interface SecondFactorRecord {
  readonly id: string;
  readonly userId: string;
  readonly kind: SecondFactorKind;
  /** Chosen by the user ("Phone"), shown in the account page. */
  readonly name: string;
  /** The TOTP secret sealed under a key derived from the master secret; never stored in clear. */
  readonly sealedSecret: string;
  /** False between enrolment and the first correct code; unconfirmed factors never log in. */
  readonly confirmed: boolean;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  /** The last TOTP time-step accepted: a code of this step or an earlier one is refused (replay). */
  readonly lastStep: number | null;
}

export interface SecondFactorStore {
  insert(record: SecondFactorRecord): Promise<void>;
  /** A user's factors, oldest first. */
  listByUser(userId: string): Promise<SecondFactorRecord[]>;
  find(id: string): Promise<SecondFactorRecord | undefined>;
  /**
   * Compare-and-set: records `step` as accepted (and `now` as last use) only if no step at or
   * after it was accepted before; `confirm` also marks the factor confirmed. True when it won.
   */
  acceptStep(id: string, step: number, now: number, confirm: boolean): Promise<boolean>;
  /** Removes one factor of `userId`; false when it was not theirs or already gone. */
  delete(id: string, userId: string): Promise<boolean>;
  deleteByUser(userId: string): Promise<number>;
  /** For `gatehouse secrets rekey`: sealed secrets by id, after `after`, in id order. */
  pageSealed(after: string | null, limit: number): Promise<{ id: string; sealed: string }[]>;
  /** Compare-and-set of the sealed secret (rekey). */
  replaceSealed(id: string, expected: string, sealed: string): Promise<boolean>;
}

export interface RecoveryCodeStore {
  /** Replaces the user's whole set by these SHA-256 hashes (regenerate invalidates the old set). */
  replace(userId: string, hashes: readonly string[], now: number): Promise<void>;
  /** Takes one unused code atomically: the codes left after it, or undefined when it is not one. */
  consume(userId: string, hash: string, now: number): Promise<number | undefined>;
  countUnused(userId: string): Promise<number>;
  deleteByUser(userId: string): Promise<number>;
}

/** A login transaction at rest: only the SHA-256 of its id is kept. */
export interface StoredLoginTransaction {
  readonly idHash: string;
  readonly userId: string;
  readonly pending: readonly SecondFactor[];
  readonly startedAt: number;
  readonly expiresAt: number;
}

export interface LoginTransactionStore {
  insert(record: StoredLoginTransaction): Promise<void>;
  /** The live transaction (not expired), without taking it. */
  find(idHash: string, now: number): Promise<StoredLoginTransaction | undefined>;
  /** Deletes and returns it in one step: of two concurrent finishes only one gets it. */
  take(idHash: string, now: number): Promise<StoredLoginTransaction | undefined>;
  deleteByUser(userId: string): Promise<number>;
  deleteExpired(now: number): Promise<number>;
}
