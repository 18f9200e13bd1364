/**
 * Storage for the OAuth engine's artifacts: authorization codes, access and refresh tokens,
 * grants, device codes, pushed requests, interactions, engine sessions. The engine owns their
 * shape, so the payload is opaque JSON; the store owns what must be atomic — consuming a single-use
 * artifact exactly once and revoking everything issued under one grant — and expiry.
 */

/** A stored artifact as read back. */
export interface OAuthArtifact {
  readonly payload: Record<string, unknown>;
  /** When the artifact was consumed (ms), or null while still usable. */
  readonly consumedAt: number | null;
}

export interface OAuthArtifactWrite {
  /** The engine's model name (`AuthorizationCode`, `RefreshToken`, `Grant`, …). */
  readonly model: string;
  readonly id: string;
  readonly payload: Record<string, unknown>;
  /** Absolute expiry in ms; the artifact is never returned at or after it. */
  readonly expiresAt: number;
  /** The grant the artifact was issued under: `revokeByGrantId` removes it with the grant. */
  readonly grantId?: string | undefined;
  /** Device flow: the code the user types. */
  readonly userCode?: string | undefined;
  /** Engine sessions are found by their uid too. */
  readonly uid?: string | undefined;
  /** The user the artifact belongs to: grants are listed by it ("connected applications"). */
  readonly accountId?: string | undefined;
}

/** An artifact listed by account. */
export interface OAuthArtifactEntry extends OAuthArtifact {
  readonly id: string;
}

/** `consumed`: this call used it up. `already-consumed`: someone did before (a replay). */
export type ConsumeOutcome = 'consumed' | 'already-consumed' | 'missing';

export interface OAuthArtifactStore {
  /** Inserts or replaces (a replaced artifact is unconsumed again: the payload is authoritative). */
  upsert(artifact: OAuthArtifactWrite): Promise<void>;
  find(model: string, id: string, now: number): Promise<OAuthArtifact | undefined>;
  findByUid(model: string, uid: string, now: number): Promise<OAuthArtifact | undefined>;
  findByUserCode(model: string, userCode: string, now: number): Promise<OAuthArtifact | undefined>;
  /** Live artifacts of one model belonging to an account (a user's grants). */
  listByAccount(model: string, accountId: string, now: number): Promise<OAuthArtifactEntry[]>;
  /** Atomic: of any number of concurrent calls for one live artifact, exactly one gets `consumed`. */
  consume(model: string, id: string, now: number): Promise<ConsumeOutcome>;
  destroy(model: string, id: string): Promise<void>;
  /** Removes every artifact issued under the grant (of any model); returns how many. */
  revokeByGrantId(grantId: string): Promise<number>;
  /** Deletes expired artifacts (stores without native TTLs sweep with this); returns how many. */
  deleteExpired(now: number): Promise<number>;
}
