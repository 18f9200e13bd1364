import type { RefreshTokenRecord } from './refresh-tokens.ts';
import { sha256Hex } from './secrets.ts';

/**
 * How the OAuth engine's refresh tokens live in the one `RefreshTokenStore`. The engine owns the
 * token's model (opaque JSON, kept as the record's payload); the store owns what must hold for
 * every refresh token: atomic consumption, the retry grace, family, session and user revocation.
 * The engine's grant is the family; its session (unless the token outlives sessions:
 * offline_access) is the session. Shared by the engine adapter and the migration that moved the
 * tokens out of the artifact table, so both write the same rows.
 */

/** The engine's token id is the token itself: only its hash is stored, under a domain of its own. */
export function oauthRefreshIdHash(id: string): string {
  return sha256Hex(`oauth-refresh-token:${id}`);
}

/** The family of an engine refresh token: its grant (prefixed: never equal to a first-party family). */
export function oauthRefreshFamilyId(grantId: string): string {
  return `grant:${grantId}`;
}

/** The session key of tokens that end with the engine session `uid`. */
export function oauthRefreshSessionKey(sessionUid: string): string {
  return `oauth-session:${sessionUid}`;
}

/** What the store needs of an engine refresh token, and when it was written and consumed. */
export interface OAuthRefreshWrite {
  readonly id: string;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The token's expiry (ms): the engine caps it at its grant's end, so it is the family's too. */
  readonly expiresAt: number;
  readonly createdAt: number;
  readonly consumedAt?: number | null | undefined;
}

/** The store's record of an engine refresh token; undefined when the payload lacks its owner. */
export function oauthRefreshRecord(write: OAuthRefreshWrite): RefreshTokenRecord | undefined {
  const { accountId, grantId, clientId, scope, expiresWithSession, sessionUid } = write.payload;
  if (typeof accountId !== 'string' || typeof grantId !== 'string' || typeof clientId !== 'string')
    return undefined;
  const boundToSession = expiresWithSession === true && typeof sessionUid === 'string';
  return {
    idHash: oauthRefreshIdHash(write.id),
    kind: 'oauth',
    familyId: oauthRefreshFamilyId(grantId),
    userId: accountId,
    clientId,
    sessionIdHash: boundToSession ? oauthRefreshSessionKey(sessionUid) : '',
    scope: typeof scope === 'string' ? scope : '',
    createdAt: write.createdAt,
    expiresAt: write.expiresAt,
    familyExpiresAt: write.expiresAt,
    consumedAt: write.consumedAt ?? null,
    revokedAt: null,
    payload: write.payload,
  };
}
