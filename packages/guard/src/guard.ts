import { isConcretePermission, PermissionSet } from '@gatehouse/core/permissions';
import { fromWire, RevocationSet, type RevocationWire } from '@gatehouse/core/revocation-set';
import { AccessTokenVerifier, TokenRejected } from './access-token.ts';
import { ApiKeyVerifier } from './api-key-verifier.ts';
import {
  type AuthContext,
  type BearerAuthContext,
  bearerContext,
  sessionContext,
  withPermissions,
} from './auth-context.ts';
import { readCredential } from './credentials.ts';
import { isCrossSite } from './csrf.ts';
import { DecisionClient, type ResourceRef } from './decision-client.ts';
import { DpopVerifier } from './dpop.ts';
import { type Challenge, GuardError, type GuardErrorCode } from './errors.ts';
import { GatehouseClient } from './gatehouse-client.ts';
import { headerKid } from './header-kid.ts';
import { type GuardOptions, type ResolvedOptions, resolveOptions, SUPPORTED_ALGORITHMS } from './options.ts';
import { PermissionResolver } from './permission-resolver.ts';
import { type GuardRequest, header, isUnsafeMethod } from './request.ts';
import { RevocationFeed } from './revocation/feed.ts';
import { SessionIntrospector } from './session-introspector.ts';
import { VerifiedTokenCache } from './token-cache.ts';

/** What a route needs beyond an authenticated caller. */
export interface Requirement {
  /** A concrete `resource:action` permission the caller must currently hold. */
  readonly permission?: string | undefined;
  /**
   * The resource the request acts on. With it, the permission is decided by Gatehouse's policy
   * decision point (AuthZEN evaluation: roles, CEL conditions on the resource's properties, deny
   * rules) instead of the caller's permission set.
   */
  readonly resource?: ResourceRef | undefined;
  /** AuthZEN `context` sent with a resource decision (time, IP…); only what the policy needs. */
  readonly context?: Record<string, unknown> | undefined;
  /** OAuth scopes the Bearer token must all carry (sessions: see `sessionsHaveAllScopes`). */
  readonly scopes?: readonly string[] | undefined;
}

/** RFC 6749 §3.3 scope-token: printable ASCII without space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const PRUNE_EVERY_MS = 60_000;

/** The scopes of an OAuth client's own token that name a permission (`resource:action`). */
function scopePermissions(scopes: ReadonlySet<string>): PermissionSet {
  return new PermissionSet([...scopes].filter(isConcretePermission));
}

/**
 * The framework-free core of the guard: turns a request into an `AuthContext` or throws a
 * `GuardError`. Adapters (`@gatehouse/guard/fastify`, `/express`, `/hono`, `/fetch`) run it before
 * the handler and turn refusals into responses.
 *
 * @example
 * const guard = createGuard({ issuer: 'https://auth.example.com', audience: 'https://notes.example.com',
 *   introspectionSecret: process.env.GATEHOUSE_INTROSPECTION_SECRET });
 * await guard.ready();
 * const auth = await guard.check(request, { permission: 'notes:delete' });
 */
export class Guard {
  readonly #o: ResolvedOptions;
  readonly #allowedOrigins: ReadonlySet<string>;
  readonly #verifier: AccessTokenVerifier | undefined;
  readonly #dpopVerifier: DpopVerifier;
  readonly #tokens: VerifiedTokenCache<BearerAuthContext>;
  readonly #introspector: SessionIntrospector | undefined;
  readonly #permissions: PermissionResolver | undefined;
  readonly #decisions: DecisionClient | undefined;
  readonly #revocations: RevocationSet;
  readonly #feed: RevocationFeed | undefined;
  readonly #apiKeys: ApiKeyVerifier | undefined;
  #prunedAt = 0;
  /** A stale feed was reported and has not been reported recovered yet. */
  #staleReported = false;

  /** Validates the options (throws `GuardOptionsError`) and, when configured, starts the revocation feed. */
  constructor(options: GuardOptions) {
    const o = resolveOptions(options);
    this.#o = o;
    this.#allowedOrigins = new Set(o.allowedOrigins);
    this.#verifier = o.bearer && new AccessTokenVerifier(o.bearer, { fetch: o.fetch, now: o.now });
    this.#dpopVerifier = new DpopVerifier({
      // The client picks its proof key: any asymmetric algorithm the guard knows, never none/HS*.
      algorithms: SUPPORTED_ALGORITHMS,
      clockTolerance: o.bearer?.clockTolerance ?? 0,
      now: o.now,
    });
    this.#tokens = new VerifiedTokenCache(o.bearer?.tokenCacheMaxEntries ?? 0);
    // Kept through the tolerance and the whole second after it: the feed's times are whole seconds.
    this.#revocations = new RevocationSet({ graceMs: ((o.bearer?.clockTolerance ?? 0) + 1) * 1000 });
    const client =
      o.gatehouse && new GatehouseClient({ ...o.gatehouse, timeoutMs: o.timeoutMs, fetch: o.fetch });
    const caches = { ttlMs: o.cacheTtlMs, maxEntries: o.cacheMaxEntries, now: o.now };
    this.#introspector = client && new SessionIntrospector({ client, ...caches });
    this.#permissions = client && new PermissionResolver({ client, ...caches });
    this.#apiKeys =
      client && o.apiKeys
        ? new ApiKeyVerifier({
            client,
            ttlMs: o.apiKeyCacheTtlMs,
            maxEntries: o.cacheMaxEntries,
            failuresPerMinute: o.apiKeyFailuresPerMinute,
            now: o.now,
            realm: o.realm,
          })
        : undefined;
    this.#decisions = client && new DecisionClient(client);
    this.#feed =
      client && o.revocationFeed
        ? new RevocationFeed({
            client,
            now: o.now,
            onEntry: (e) => this.#onEntry(e),
            onEvent: (event) => {
              o.onEvent(event);
              if (event.type === 'revocation_feed.synced' && this.#staleReported) this.#reportRecovered();
            },
          })
        : undefined;
    for (const message of o.warnings) o.onEvent({ type: 'config.warning', message });
    this.#feed?.start();
  }

  /**
   * Authenticates the request from its one credential: `Authorization: Bearer <access token>` or
   * the session cookie. Throws `GuardError`: 400 `invalid_request` (malformed, duplicated or
   * conflicting credentials), 401 (none, or invalid), 403 `csrf_failed`, 503 (Gatehouse, its JWKS
   * or the revocation feed unavailable). Bearer callers' permissions are not resolved here.
   */
  authenticate(request: GuardRequest): Promise<AuthContext> {
    try {
      const credential = readCredential(request, {
        cookieName: this.#o.sessionCookie,
        sessions: this.#introspector !== undefined,
        apiKeys: this.#apiKeys !== undefined,
      });
      switch (credential.kind) {
        case 'invalid':
          throw this.#refuse('invalid_request', credential.reason);
        // RFC 6750 §3.1: no credential, or one of a scheme we do not take, gets a bare challenge.
        case 'none':
        case 'unsupported_scheme':
          throw new GuardError('unauthenticated', {
            reason: credential.kind === 'none' ? 'no_credentials' : 'unsupported_scheme',
            challenge: this.#challenge(),
          });
        case 'session':
          return this.#session(request, credential.token);
        case 'bearer':
          return this.#bearer(credential.token);
        case 'api_key':
          return this.#apiKey(request, credential.token);
        case 'dpop':
          return this.#dpop(request, credential.token, credential.proof);
      }
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Throws unless the caller holds the permission (Bearer: resolve it first, see
   * `requirePermission`): `forbidden`, or for an OAuth client's own token `insufficient_scope`
   * naming the permission (its scopes are its permissions; RFC 6750 §3.1).
   */
  authorize(auth: AuthContext, permission: string): void {
    if (auth.can(permission)) return;
    if (auth.principal.kind === 'client')
      throw this.#refuse('insufficient_scope', 'missing_scope', permission);
    throw new GuardError('forbidden', { reason: 'missing_permission' });
  }

  /**
   * The caller with current permissions: a user's Bearer token asks Gatehouse (cached `cacheTtlMs`);
   * an OAuth client's own token (client credentials) holds exactly the permission-shaped scopes the
   * authorization server granted it for this audience.
   */
  async resolvePermissions(auth: AuthContext): Promise<AuthContext> {
    if (auth.method !== 'bearer' || auth.permissions !== undefined) return auth;
    if (auth.principal.kind === 'client') return withPermissions(auth, scopePermissions(auth.scopes));
    if (this.#permissions === undefined)
      throw new GuardError('unavailable', { reason: 'no_introspection_secret' });
    const permissions = await this.#permissions.permissionsOf(auth.principal.subject);
    if (permissions === null) throw this.#refuse('invalid_token', 'subject_inactive');
    return withPermissions(auth, permissions);
  }

  /** Resolves permissions and throws `forbidden` without `permission`; returns the resolved caller. */
  async requirePermission(auth: AuthContext, permission: string): Promise<AuthContext> {
    const resolved = await this.resolvePermissions(auth);
    this.authorize(resolved, permission);
    return resolved;
  }

  /**
   * Asks Gatehouse's decision point whether the caller may perform `permission` (`type:action`) on
   * `resource`, and throws `forbidden` (403, a generic problem+json) when not; `unavailable` (503)
   * when Gatehouse cannot answer. Nothing is cached, so role and policy changes apply at once.
   *
   * @example
   * await guard.decide(auth, 'notes:delete', { id: note.id, properties: { ownerID: note.ownerId } });
   */
  async decide(
    auth: AuthContext,
    permission: string,
    resource: ResourceRef,
    context?: Record<string, unknown>,
  ): Promise<AuthContext> {
    if (this.#decisions === undefined)
      throw new GuardError('unavailable', { reason: 'no_introspection_secret' });
    // An API key acts for its owner only within its scopes: the policy then decides for the owner.
    if (auth.method === 'api_key' && !auth.keyScopes.has(permission))
      throw new GuardError('forbidden', { reason: 'api_key_scope' });
    // An OAuth client's own token acts within its scopes: the policy then decides for the client.
    if (auth.principal.kind === 'client' && !auth.scopes?.has(permission))
      throw this.#refuse('insufficient_scope', 'missing_scope', permission);
    const [type = '', action = ''] = permission.split(':');
    const allowed = await this.#decisions.evaluate({
      subject: { type: auth.principal.kind, id: auth.principal.subject },
      resource: {
        type: resource.type ?? type,
        id: resource.id,
        ...(resource.properties === undefined ? {} : { properties: resource.properties }),
      },
      action: { name: action },
      ...(context === undefined ? {} : { context }),
    });
    if (!allowed) throw new GuardError('forbidden', { reason: 'policy_denied' });
    return auth;
  }

  /** Throws 403 `insufficient_scope` unless the token carries every scope. Sessions carry none. */
  requireScopes(auth: AuthContext, scopes: readonly string[]): void {
    if (scopes.length === 0) return;
    const scope = scopes.join(' ');
    if (auth.method === 'session') {
      if (this.#o.sessionsHaveAllScopes) return;
      throw this.#refuse('insufficient_scope', 'session_has_no_scopes', scope);
    }
    // A key's scopes are permissions (checked by requirePermission), never OAuth scopes.
    if (auth.method === 'api_key') throw this.#refuse('insufficient_scope', 'api_key_has_no_scopes', scope);
    for (const wanted of scopes)
      if (!auth.scopes.has(wanted)) throw this.#refuse('insufficient_scope', 'missing_scope', scope);
  }

  /** Authenticates, then checks scopes (no network), then the permission: what every adapter runs. */
  async check(request: GuardRequest, requirement?: Requirement): Promise<AuthContext> {
    if (requirement !== undefined) this.validateRequirement(requirement);
    let auth = await this.authenticate(request);
    if (requirement?.scopes !== undefined) this.requireScopes(auth, requirement.scopes);
    if (requirement?.permission !== undefined) {
      auth =
        requirement.resource === undefined
          ? await this.requirePermission(auth, requirement.permission)
          : await this.decide(auth, requirement.permission, requirement.resource, requirement.context);
    }
    return auth;
  }

  /** Throws a `TypeError` for a requirement this guard can never satisfy (adapters call it at route setup). */
  validateRequirement(requirement: Requirement): void {
    const { permission, scopes } = requirement;
    if (permission !== undefined) {
      if (!isConcretePermission(permission))
        throw new TypeError(`"${permission}" is not a concrete resource:action permission`);
      if (this.#permissions === undefined)
        throw new TypeError(
          'requirePermission needs introspectionSecret: Bearer tokens carry no permissions',
        );
    }
    for (const scope of scopes ?? [])
      if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope))
        throw new TypeError(`"${String(scope)}" is not a valid scope`);
  }

  /** Resolves after the revocation feed's first catch-up (at once without a feed). */
  ready(): Promise<void> {
    return this.#feed?.ready() ?? Promise.resolve();
  }

  /** Stops the revocation feed. */
  async close(): Promise<void> {
    await this.#feed?.close();
  }

  /** Forgets cached sessions, permissions and verified tokens. */
  clearCache(): void {
    this.#introspector?.clear();
    this.#permissions?.clear();
    this.#apiKeys?.clear();
    this.#tokens.clear();
  }

  /** For health checks and logs. */
  status(): {
    bearer: boolean;
    sessions: boolean;
    revocationFeed: { cursor: number; stalenessMs: number; entries: number } | undefined;
    cachedTokens: number;
    cachedApiKeys: number;
  } {
    const feed = this.#feed;
    return {
      bearer: this.#verifier !== undefined,
      sessions: this.#introspector !== undefined,
      revocationFeed: feed && {
        cursor: feed.cursor,
        stalenessMs: feed.staleness(this.#o.now()),
        entries: this.#revocations.size,
      },
      cachedTokens: this.#tokens.size,
      cachedApiKeys: this.#apiKeys?.size ?? 0,
    };
  }

  async #session(request: GuardRequest, token: string): Promise<AuthContext> {
    const challenge = this.#challenge();
    if (token === '') throw new GuardError('unauthenticated', { challenge, reason: 'empty_cookie' });
    if (isUnsafeMethod(request.method) && isCrossSite(request, this.#allowedOrigins))
      throw new GuardError('csrf_failed', { reason: 'cross_site' });
    const session = await this.#introspector!.introspect(token);
    if (session === null) throw new GuardError('unauthenticated', { challenge, reason: 'session_inactive' });
    return sessionContext(session);
  }

  #bearer(token: string, dpop = false): Promise<AuthContext> {
    if (this.#verifier === undefined)
      return Promise.reject(this.#refuse('invalid_token', 'bearer_not_accepted'));
    // A revoked signing key (feed `kid` entry): refused before the cache and the signature, so
    // neither a cached verification nor a cached JWKS lets its tokens (or forgeries) through.
    if (this.#revocations.hasRevokedKeys && this.#revocations.isKeyRevoked(headerKid(token)))
      return Promise.reject(this.#refuse('invalid_token', 'revoked_key'));
    // RFC 9449 §7.1: a DPoP-bound token sent as a plain Bearer token is refused.
    const bound = (auth: BearerAuthContext) =>
      !dpop && auth.token.cnf?.jkt !== undefined
        ? Promise.reject(this.#refuse('invalid_token', 'dpop_bound_token_as_bearer'))
        : this.#unrevoked(auth);
    const cached = this.#tokens.get(token, Math.floor(this.#o.now() / 1000));
    if (cached !== undefined) return bound(cached);
    return this.#verifier.verify(token).then(
      (claims) => {
        const auth = bearerContext(claims);
        this.#tokens.set(token, auth, claims.exp);
        return bound(auth);
      },
      (error: unknown) => {
        throw error instanceof TokenRejected
          ? this.#refuse('invalid_token', error.reason, undefined, error)
          : error;
      },
    );
  }

  /** Keys are answered from the cache only while the feed (which revokes them) is fresh. */
  #apiKey(request: GuardRequest, token: string): Promise<AuthContext> {
    const fresh = this.#feed === undefined || this.#feed.staleness(this.#o.now()) <= this.#o.maxStalenessMs;
    return this.#apiKeys!.verify(token, request.ip, fresh);
  }

  /** A DPoP-bound token with its proof of possession (RFC 9449 §7). */
  async #dpop(request: GuardRequest, token: string, proof: string): Promise<AuthContext> {
    const dpopChallenge: Challenge = { scheme: 'DPoP', realm: this.#o.realm, dpopAlgs: SUPPORTED_ALGORITHMS };
    const auth = (await this.#bearer(token, true).catch((error: unknown) => {
      // RFC 9449 §7.1: a refused DPoP request is challenged with the DPoP scheme.
      if (!(error instanceof GuardError) || error.challenge === undefined) throw error;
      throw new GuardError(error.code, {
        reason: error.reason ?? error.code,
        cause: error,
        challenge: dpopChallenge,
      });
    })) as BearerAuthContext;
    const jkt = auth.token.cnf?.jkt;
    try {
      if (typeof jkt !== 'string') throw new TokenRejected('not_dpop_bound');
      await this.#dpopVerifier.verify({
        proof,
        method: request.method,
        url: request.url,
        host: header(request, 'host'),
        accessToken: token,
        jkt,
      });
    } catch (error) {
      if (error instanceof TokenRejected)
        throw new GuardError(error.reason === 'not_dpop_bound' ? 'invalid_token' : 'invalid_dpop_proof', {
          reason: error.reason,
          cause: error,
          challenge: dpopChallenge,
        });
      throw error;
    }
    return auth;
  }

  /**
   * The revocation checks, run on every request (cache hits included). A feed silent past the bound
   * fails closed by default: every Bearer token is refused, not only those issued before the last
   * sync, since a token issued after it may have been revoked after it too; `open` accepts against
   * what the last sync knew (never before a first sync).
   */
  #unrevoked(auth: BearerAuthContext): Promise<AuthContext> {
    if (this.#feed !== undefined) {
      const staleness = this.#feed.staleness(this.#o.now());
      if (staleness > this.#o.maxStalenessMs) {
        this.#reportStale(staleness);
        if (this.#o.feedFailure === 'closed' || staleness === Number.POSITIVE_INFINITY)
          return Promise.reject(new GuardError('unavailable', { reason: 'revocation_feed_stale' }));
      } else if (this.#staleReported) this.#reportRecovered();
      if (this.#revocations.isRevoked(auth.token))
        return Promise.reject(this.#refuse('invalid_token', 'revoked'));
    }
    return Promise.resolve(auth);
  }

  #reportStale(stalenessMs: number): void {
    if (this.#staleReported) return;
    this.#staleReported = true;
    const lastSyncAt = stalenessMs === Number.POSITIVE_INFINITY ? undefined : this.#o.now() - stalenessMs;
    this.#o.onEvent({ type: 'revocation_feed.stale', failure: this.#o.feedFailure, stalenessMs, lastSyncAt });
  }

  #reportRecovered(): void {
    this.#staleReported = false;
    this.#o.onEvent({ type: 'revocation_feed.recovered' });
  }

  #onEntry(entry: RevocationWire): void {
    const { type, value } = entry;
    if (type === 'key') {
      this.#apiKeys?.forgetKey(value);
      return;
    }
    if (type === 'perm') {
      this.#permissions?.forget(value);
      this.#apiKeys?.forgetSubject(value);
      if (value === '*') this.#introspector?.clear();
      else this.#introspector?.forget((session) => session.subject === value);
      return;
    }
    this.#revocations.apply(fromWire(entry));
    if (type === 'sid') this.#introspector?.forget((session) => session.sessionId === value);
    if (type === 'kid') this.#verifier?.keysChanged();
    if (type === 'nbf') {
      // A mass sign-out ended the subject's (or everyone's) sessions too.
      if (value === '*') this.#introspector?.clear();
      else this.#introspector?.forget((session) => session.subject === value);
    }
    if (type === 'sub') {
      this.#introspector?.forget((session) => session.subject === value);
      this.#permissions?.forget(value);
      this.#apiKeys?.forgetSubject(value);
    }
    const now = this.#o.now();
    if (now - this.#prunedAt > PRUNE_EVERY_MS) {
      this.#prunedAt = now;
      this.#revocations.prune(now);
    }
  }

  /**
   * The challenge of a 401 without an error code: `Bearer` (RFC 6750 §3). A session-only guard
   * names it too: a cookie has no registered scheme, and RFC 9110 §11.6.1 requires a challenge.
   */
  #challenge(): Challenge {
    return { scheme: 'Bearer', realm: this.#o.realm };
  }

  #refuse(code: GuardErrorCode, reason: string, scope?: string, cause?: unknown): GuardError {
    return new GuardError(code, {
      reason,
      cause,
      challenge: { scheme: 'Bearer', realm: this.#o.realm, ...(scope === undefined ? {} : { scope }) },
    });
  }
}

/**
 * Creates a guard. Bearer tokens: `issuer` + `audience`; sessions, Bearer permissions and the
 * revocation feed: `introspectionSecret` (+ `gatehouseUrl`, default the issuer).
 *
 * @example
 * const guard = createGuard({ gatehouseUrl: 'http://localhost:8080', introspectionSecret: secret });
 */
export function createGuard(options: GuardOptions): Guard {
  return new Guard(options);
}
