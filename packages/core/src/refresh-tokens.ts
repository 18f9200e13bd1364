/**
 * Refresh tokens: opaque, 256 bits, only their SHA-256 stored. Each belongs to a family (one
 * login) bound to a client and a session. Every use consumes the token atomically and issues the
 * next one of the family; presenting a consumed token again is reuse — the family and its session
 * are revoked (RFC 9700 §4.14.2) — except a retry: within a short grace window after the use, while
 * its successor is unused, the same successor is handed out again (the rule: refresh-rotation.ts).
 *
 * One store holds both kinds: first-party tokens (TokenService) and the OAuth engine's
 * (oauth-refresh-tokens.ts). Each kind hashes its ids under its own domain, so a token of one kind
 * presented where the other is expected matches no row.
 */
export type RefreshTokenKind = 'first-party' | 'oauth';

export interface RefreshTokenRecord {
  readonly idHash: string;
  readonly kind: RefreshTokenKind;
  readonly familyId: string;
  readonly userId: string;
  readonly clientId: string;
  /**
   * Storage key of the session the family ends with: a Gatehouse session's idHash, an OAuth engine
   * session's key, or '' for an OAuth token that outlives sessions (offline_access).
   */
  readonly sessionIdHash: string;
  readonly scope: string;
  readonly createdAt: number;
  /** Idle lifetime: this token must be used before then. */
  readonly expiresAt: number;
  /** Absolute lifetime of the whole family (OAuth: the engine caps each token's expiry at it; the token's). */
  readonly familyExpiresAt: number;
  readonly consumedAt: number | null;
  readonly revokedAt: number | null;
  /** The OAuth engine's own model of the token (opaque JSON); null for first-party tokens. */
  readonly payload: Readonly<Record<string, unknown>> | null;
}

export type ConsumeResult =
  | { status: 'consumed'; record: RefreshTokenRecord }
  /** Consumed already, but within the grace window and its successor unused: hand that out again. */
  | { status: 'retried'; record: RefreshTokenRecord }
  | { status: 'reused'; record: RefreshTokenRecord }
  | { status: 'invalid' };

/** What makes a second presentation of a consumed token a retry rather than reuse. */
export interface RetryGrace {
  /** Storage key of the token's successor (derived from the token, so known before it exists). */
  readonly successorIdHash: string;
  /** How long after the first use a retry is accepted; 0 accepts none. */
  readonly graceMs: number;
}

export interface RevokeByUserOptions {
  readonly sessionBoundOnly?: boolean;
}

export interface RefreshTokenStore {
  /** Inserting an `idHash` that exists already does nothing (successors are derived, so retries insert them again). */
  insert(record: RefreshTokenRecord): Promise<void>;
  /**
   * Marks the token consumed if it is live (not consumed, not revoked, not expired at `now`) —
   * atomically, so two concurrent uses cannot both succeed. A token that exists but was already
   * consumed reports `retried` when `retry` is given, the token and its family are not revoked,
   * the family has not expired, it was consumed less than `graceMs` before `now`, and its successor
   * is absent (its first consumer may still be inserting it) or neither consumed nor revoked;
   * otherwise `reused`.
   */
  consume(idHash: string, now: number, retry?: RetryGrace): Promise<ConsumeResult>;
  /** The token in whatever state it is (consumed, revoked, expired), or undefined. */
  find(idHash: string): Promise<RefreshTokenRecord | undefined>;
  /** Forgets one token (the OAuth engine destroys a revoked or replayed one). */
  delete(idHash: string): Promise<void>;
  revokeFamily(familyId: string, now: number): Promise<number>;
  revokeBySession(sessionIdHash: string, now: number): Promise<number>;
  /**
   * Every token of the user, of both kinds; with `sessionBoundOnly`, only those that end with a
   * session (all but offline_access OAuth tokens, whose `sessionIdHash` is '').
   */
  revokeByUser(userId: string, now: number, options?: RevokeByUserOptions): Promise<number>;
  deleteExpired(now: number): Promise<number>;
}
