import type { AuditTrail, RequestMeta } from './audit-trail.ts';
import type { Clock } from './clock.ts';
import { GatehouseError } from './errors.ts';
import type { LifecycleEvents } from './lifecycle-events.ts';
import type { UserRecord, UserRepository } from './ports.ts';
import type { RefreshRotation } from './refresh-rotation.ts';
import type { RefreshTokenStore } from './refresh-tokens.ts';
import type { RevocationIndex } from './revocation-index.ts';
import { randomId, randomToken, sha256Hex } from './secrets.ts';
import type { SessionRecord } from './session.ts';
import type { SessionManager } from './session-manager.ts';

export interface AccessTokenRequest {
  readonly subject: string;
  /** Public id of the session the token hangs off (the `sid` claim). */
  readonly sessionId: string;
  readonly clientId: string;
  readonly scope: string;
}

/** Signs RFC 9068 access tokens (implemented at the edge with jose and the key ring). */
export interface AccessTokenMinter {
  mint(request: AccessTokenRequest): Promise<{ token: string; jti: string; expiresInSeconds: number }>;
}

export interface TokenPolicy {
  /** Access-token lifetime; at most 15 minutes. */
  accessTokenTtlMs: number;
  /** Clock skew resource servers allow; revocations outlive the tokens by this much. */
  clockSkewMs: number;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

export interface TokenServiceOptions {
  refreshTokens: RefreshTokenStore;
  revocations: RevocationIndex;
  sessions: SessionManager;
  users: UserRepository;
  minter: AccessTokenMinter;
  clock: Clock;
  policy: TokenPolicy;
  audit: AuditTrail;
  /** Lifetimes, successors and the retry grace of refresh tokens: the rule the OAuth engine follows too. */
  rotation: RefreshRotation;
  /**
   * The lifecycle events this service reacts to (subscribed at construction): ended sessions and
   * signed-out, disabled or deleted users lose their refresh families and access tokens; an access
   * change is announced to resource servers.
   */
  events?: LifecycleEvents;
}

const KEY_REVOCATION_MIN_LIFETIME_MS = 24 * 60 * 60 * 1000;

const invalidGrant = () =>
  new GatehouseError('invalid_grant', { detail: 'The refresh token is invalid or expired.' });

/**
 * The hybrid model: short-lived signed access tokens, rotating refresh tokens bound to a client
 * and a server-side session, and a revocation index that follows every session that ends.
 */
export class TokenService {
  readonly #o: TokenServiceOptions;

  constructor(options: TokenServiceOptions) {
    this.#o = options;
    const events = options.events;
    if (events === undefined) return;
    events.on('SessionsEnded', (event) => this.sessionsEnded(event.sessions));
    events.on('UserSignedOut', (event) => this.familiesEnded(event.userId));
    events.on('UserDisabled', (event) => this.userDisabled({ id: event.userId }));
    // Revoked before the row goes, so that guards and other nodes hear of it (the foreign keys then
    // delete the refresh tokens with the user).
    events.on('UserDeleted', (event) => this.userDisabled({ id: event.userId }));
    events.on('AccessChanged', (event) => this.accessChanged(event.subject));
  }

  /** How long a revocation must be remembered: until every token it could match has expired. */
  get revocationLifetimeMs(): number {
    return this.#o.policy.accessTokenTtlMs + this.#o.policy.clockSkewMs;
  }

  /** Issues the first access + refresh token of a new family for a session. */
  async issue(
    session: SessionRecord,
    clientId: string,
    scope: string,
    meta: RequestMeta,
  ): Promise<TokenResponse> {
    const familyId = randomId(16);
    const familyExpiresAt = this.#o.rotation.familyExpiresAt(this.#o.clock.now(), session.absoluteExpiresAt);
    const response = await this.#pair(session, clientId, scope, familyId, familyExpiresAt);
    await this.#o.audit.record('token.issued', meta, {
      subjectId: session.userId,
      details: { client_id: clientId, session: session.publicId, family: familyId },
    });
    return response;
  }

  /**
   * Rotates a refresh token under the rotation rule (refresh-rotation.ts). Reuse of a consumed
   * token revokes its family and its session — unless it is a retry: the successor is derived from
   * the token, so presenting it again within the grace window, while the successor is unused,
   * recomputes and returns that same successor (never a second live token; concurrent
   * presentations all get it). Nothing secret is stored.
   */
  async refresh(refreshToken: string, clientId: string, meta: RequestMeta): Promise<TokenResponse> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(refreshToken)) throw invalidGrant();
    const now = this.#o.clock.now();
    const successor = this.#o.rotation.successorOf(refreshToken);
    const result = await this.#o.refreshTokens.consume(
      sha256Hex(refreshToken),
      now,
      this.#o.rotation.retryGrace(refreshToken),
    );
    if (result.status === 'invalid') throw invalidGrant();
    const { record } = result;
    if (result.status === 'reused') {
      await this.#o.refreshTokens.revokeFamily(record.familyId, now);
      await this.#o.sessions.end(record.sessionIdHash);
      await this.#o.audit.record('token.reuse_detected', meta, {
        subjectId: record.userId,
        details: { client_id: record.clientId, family: record.familyId },
      });
      throw invalidGrant();
    }
    if (record.clientId !== clientId) {
      // Presented by another client: treat as stolen.
      await this.#o.refreshTokens.revokeFamily(record.familyId, now);
      throw invalidGrant();
    }
    const session = await this.#o.sessions.findByIdHash(record.sessionIdHash);
    const user = session === undefined ? undefined : await this.#o.users.findById(record.userId);
    if (session === undefined || user === undefined || user.disabled) {
      await this.#o.refreshTokens.revokeFamily(record.familyId, now);
      throw invalidGrant();
    }
    const retried = result.status === 'retried';
    const response = await this.#pair(
      session,
      clientId,
      record.scope,
      record.familyId,
      record.familyExpiresAt,
      successor,
    );
    await this.#o.audit.record('token.refreshed', meta, {
      subjectId: record.userId,
      details: { client_id: clientId, family: record.familyId, ...(retried ? { retry: true } : {}) },
    });
    return response;
  }

  /**
   * Token-mode logout (and RFC 7009-style revocation of a refresh token): ends the family's session,
   * which revokes the family and the session's access tokens. Unknown tokens are ignored.
   */
  async revokeRefreshToken(refreshToken: string, meta: RequestMeta): Promise<void> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(refreshToken)) return;
    const now = this.#o.clock.now();
    const result = await this.#o.refreshTokens.consume(sha256Hex(refreshToken), now);
    if (result.status === 'invalid') return;
    await this.#o.refreshTokens.revokeFamily(result.record.familyId, now);
    await this.#o.sessions.end(result.record.sessionIdHash);
    await this.#o.audit.record('logout', meta, {
      subjectId: result.record.userId,
      details: { family: result.record.familyId, mode: 'token' },
    });
  }

  /** Called whenever sessions end: their refresh families and access tokens die with them. */
  async sessionsEnded(ended: readonly SessionRecord[]): Promise<void> {
    if (ended.length === 0) return;
    const now = this.#o.clock.now();
    for (const session of ended) await this.#o.refreshTokens.revokeBySession(session.idHash, now);
    await this.#o.revocations.add(
      ended.map((s) => ({
        type: 'sid',
        value: s.publicId,
        at: now,
        expiresAt: now + this.revocationLifetimeMs,
      })),
    );
  }

  /** A disabled user: every token issued to them until now is refused. */
  async userDisabled(user: Pick<UserRecord, 'id'>): Promise<void> {
    const now = this.#o.clock.now();
    await this.#o.refreshTokens.revokeByUser(user.id, now);
    await this.#o.revocations.add([
      { type: 'sub', value: user.id, at: now, expiresAt: now + this.revocationLifetimeMs },
    ]);
  }

  /**
   * After a cut-off ended a user's sessions: their refresh families (opaque, so no entry covers
   * them), OAuth ones included — all but offline_access tokens, the user's consent to outlive sessions.
   */
  async familiesEnded(userId: string): Promise<void> {
    await this.#o.refreshTokens.revokeByUser(userId, this.#o.clock.now(), { sessionBoundOnly: true });
  }

  /**
   * A signing key was revoked (leaked): every token it signed is refused, checked before the
   * signature. Kept a day at least, not just a token lifetime: whoever holds the key can sign tokens
   * with any `exp`, and a verifier may hold the key in a cached JWKS longer than tokens live (the
   * guard keeps a fetched JWKS 10 minutes).
   */
  async keyRevoked(kid: string): Promise<void> {
    const now = this.#o.clock.now();
    const lifetime = Math.max(this.revocationLifetimeMs, KEY_REVOCATION_MIN_LIFETIME_MS);
    await this.#o.revocations.add([{ type: 'kid', value: kid, at: now, expiresAt: now + lifetime }]);
  }

  /** Permissions of a subject (or `*`) changed: tell resource servers to drop what they cached. */
  async accessChanged(subject: string): Promise<void> {
    const now = this.#o.clock.now();
    await this.#o.revocations.add([
      { type: 'perm', value: subject, at: now, expiresAt: now + this.revocationLifetimeMs },
    ]);
  }

  /** Forgets refresh tokens past their lifetime and revocations past theirs. */
  async sweepExpired(): Promise<void> {
    await this.#o.refreshTokens.deleteExpired(this.#o.clock.now());
    await this.#o.revocations.prune();
  }

  /** Revokes one access token by its `jti`. */
  async revokeAccessToken(jti: string, meta: RequestMeta): Promise<void> {
    const now = this.#o.clock.now();
    await this.#o.revocations.add([
      { type: 'jti', value: jti, at: now, expiresAt: now + this.revocationLifetimeMs },
    ]);
    await this.#o.audit.record('token.revoked', meta, { details: { jti } });
  }

  async #pair(
    session: SessionRecord,
    clientId: string,
    scope: string,
    familyId: string,
    familyExpiresAt: number,
    refreshToken = randomToken(32),
  ): Promise<TokenResponse> {
    const now = this.#o.clock.now();
    // A retry inserts the same successor again: a no-op when its first consumer got there first.
    await this.#o.refreshTokens.insert({
      idHash: sha256Hex(refreshToken),
      kind: 'first-party',
      familyId,
      userId: session.userId,
      clientId,
      sessionIdHash: session.idHash,
      scope,
      createdAt: now,
      expiresAt: this.#o.rotation.tokenExpiresAt(now, familyExpiresAt),
      familyExpiresAt,
      consumedAt: null,
      revokedAt: null,
      payload: null,
    });
    const access = await this.#o.minter.mint({
      subject: session.userId,
      sessionId: session.publicId,
      clientId,
      scope,
    });
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresInSeconds,
      refresh_token: refreshToken,
      scope,
    };
  }
}
