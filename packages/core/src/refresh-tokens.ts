/**
 * Refresh tokens: opaque, 256 random bits, only their SHA-256 stored. Each belongs to a family
 * (one login) bound to a client and a session. Every use consumes the token atomically and issues
 * the next one of the family; presenting a consumed token again is reuse — the family and its
 * session are revoked (RFC 9700 §4.14.2).
 */
export interface RefreshTokenRecord {
  readonly idHash: string;
  readonly familyId: string;
  readonly userId: string;
  readonly clientId: string;
  /** Storage key (idHash) of the session the family is bound to. */
  readonly sessionIdHash: string;
  readonly scope: string;
  readonly createdAt: number;
  /** Idle lifetime: this token must be used before then. */
  readonly expiresAt: number;
  /** Absolute lifetime of the whole family. */
  readonly familyExpiresAt: number;
  readonly consumedAt: number | null;
  readonly revokedAt: number | null;
}

export type ConsumeResult =
  | { status: 'consumed'; record: RefreshTokenRecord }
  | { status: 'reused'; record: RefreshTokenRecord }
  | { status: 'invalid' };

export interface RefreshTokenStore {
  insert(record: RefreshTokenRecord): Promise<void>;
  /**
   * Marks the token consumed if it is live (not consumed, not revoked, not expired at `now`) —
   * atomically, so two concurrent uses cannot both succeed. A token that exists but was already
   * consumed reports `reused`.
   */
  consume(idHash: string, now: number): Promise<ConsumeResult>;
  revokeFamily(familyId: string, now: number): Promise<number>;
  revokeBySession(sessionIdHash: string, now: number): Promise<number>;
  revokeByUser(userId: string, now: number): Promise<number>;
  deleteExpired(now: number): Promise<number>;
}
