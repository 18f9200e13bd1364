import type { RetryGrace } from './refresh-tokens.ts';
import { hmacSha256, sha256Hex } from './secrets.ts';

/** The lifetimes and the retry grace of rotating refresh tokens, first-party and OAuth alike. */
export interface RefreshRotationPolicy {
  /** A refresh token must be used within this long of its issue. */
  readonly idleMs: number;
  /** A family (one login, one OAuth grant) lasts at most this long from its start. */
  readonly absoluteMs: number;
  /**
   * How long after a refresh token's use it may be presented again and get the same successor
   * (a client that lost the response retries); 0 disables. Reuse after that revokes the family.
   */
  readonly reuseGraceMs: number;
}

/** What the retry rule reads of a stored refresh token (both stores keep these, in ms). */
export interface RotatedToken {
  readonly consumedAt: number | null;
  readonly revokedAt: number | null;
  readonly familyExpiresAt: number;
}

/**
 * The one rotation rule (RFC 9700 §4.14.2) behind `/token/refresh` (TokenService) and the OAuth
 * engine's refresh grant (oauth/refresh-retry.ts): every use consumes the token and issues its
 * successor, which is HMAC(key, token) — known before it exists, so nothing secret is stored and a
 * retry recomputes it. A consumed token presented again is a retry only while `isRetry` holds; any
 * other second use is reuse and ends the family. Each token kind has its own key (domain separation).
 */
export class RefreshRotation {
  readonly policy: RefreshRotationPolicy;
  readonly #successorKey: Buffer;

  constructor(policy: RefreshRotationPolicy, successorKey: Buffer) {
    this.policy = policy;
    this.#successorKey = successorKey;
  }

  /** The successor of a refresh token (or of an engine refresh token's id): 43 base64url characters. */
  successorOf(token: string): string {
    return hmacSha256(this.#successorKey, token).toString('base64url');
  }

  /**
   * What a store needs to tell a retry of `token` from reuse, atomically (`RefreshTokenStore.consume`);
   * `idHash` is how the token's kind hashes ids (first-party: SHA-256 of the token).
   */
  retryGrace(token: string, idHash: (token: string) => string = sha256Hex): RetryGrace {
    return { successorIdHash: idHash(this.successorOf(token)), graceMs: this.policy.reuseGraceMs };
  }

  /** When a family started at `startedAt` ends: its absolute lifetime, never past `cap` (its session's end). */
  familyExpiresAt(startedAt: number, cap: number = Number.POSITIVE_INFINITY): number {
    return Math.min(startedAt + this.policy.absoluteMs, cap);
  }

  /** When a token issued at `now` must be used by: its idle lifetime, never past its family's end. */
  tokenExpiresAt(now: number, familyExpiresAt: number): number {
    return Math.min(now + this.policy.idleMs, familyExpiresAt);
  }

  /**
   * A consumed token presented again is a retry when it and its family are live, it was consumed
   * less than the grace ago, and its successor is absent (the first consumer may still be storing
   * it) or neither consumed nor revoked. Otherwise it is reuse.
   */
  isRetry(
    token: RotatedToken,
    successor: Omit<RotatedToken, 'familyExpiresAt'> | undefined,
    now: number,
  ): boolean {
    return isRefreshRetry(token, successor, now, this.policy.reuseGraceMs);
  }
}

/** `RefreshRotation.isRetry` for stores, which get the grace with each call (`RetryGrace`). */
export function isRefreshRetry(
  token: RotatedToken,
  successor: Omit<RotatedToken, 'familyExpiresAt'> | undefined,
  now: number,
  graceMs: number,
): boolean {
  return (
    token.consumedAt !== null &&
    token.revokedAt === null &&
    token.familyExpiresAt > now &&
    now - token.consumedAt < graceMs &&
    (successor === undefined || (successor.consumedAt === null && successor.revokedAt === null))
  );
}
