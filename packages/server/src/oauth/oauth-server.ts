import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ActiveSigningKey,
  type AuditTrail,
  type Clock,
  GatehouseError,
  type LifecycleEvents,
  type OAuthArtifactStore,
  oauthRefreshFamilyId,
  oauthRefreshSessionKey,
  type RefreshTokenStore,
  type RevocationIndex,
} from '@gatehouse/core';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { SigningThread } from '../keys/key-material.ts';
import type { KeyRing } from '../keys/key-ring.ts';
import { RingKeySet } from '../tokens/ring-key-set.ts';
import type { createAdapterClass } from './adapter.ts';
import type { ClientRegistry } from './client-registry.ts';
import { formActionSources } from './form-targets.ts';
import { grantSid } from './grant-sid.ts';
import type { ProviderSettings } from './provider-config.ts';
import type { RefreshRetry } from './refresh-retry.ts';
import { interactionUid } from './routes.ts';
import { VerifiedSecrets } from './verified-secrets.ts';

const KEY_CHECK_INTERVAL_MS = 1000;

export interface OAuthServerOptions {
  readonly settings: ProviderSettings;
  readonly keyRing: KeyRing;
  /** Where the engine's signatures are made (`signingThreadFor`). */
  readonly signingThread: SigningThread;
  readonly registry: ClientRegistry;
  readonly artifacts: OAuthArtifactStore;
  readonly shortLivedArtifacts?: OAuthArtifactStore | undefined;
  /** The engine's refresh tokens live in the one refresh-token store, beside first-party ones. */
  readonly refreshTokens: RefreshTokenStore;
  readonly revocations: RevocationIndex;
  readonly clock: Clock;
  /** How long a revocation must be remembered: the longest access-token lifetime plus skew. */
  readonly revocationLifetimeMs: number;
  readonly clockSkewSeconds: number;
  /** Trust X-Forwarded-* (the engine's view of the request URL). */
  readonly proxy: boolean;
  readonly logger: Logger;
  /** How many live Gatehouse sessions the user has. */
  readonly liveSessions: (userId: string) => Promise<number>;
  readonly audit: AuditTrail;
  /** The refresh retry grace (refresh-retry.ts). */
  readonly refreshRetry: RefreshRetry;
  /**
   * The lifecycle events the OAuth side reacts to (subscribed at construction): ended sessions end
   * engine sessions; a disabled or deleted user, or a changed password, ends every grant; a revoked
   * signing key makes the engine re-read its keys.
   */
  readonly events?: LifecycleEvents | undefined;
}

export interface MountedProvider {
  readonly provider: Provider;
  readonly handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

/** One connected application, as the account page lists it. */
export interface ConnectedApplication {
  readonly grantId: string;
  readonly clientId: string;
  readonly clientName: string;
  readonly scopes: readonly string[];
  readonly resources: ReadonlyArray<{ resource: string; scopes: readonly string[] }>;
  readonly expiresAt: number | null;
}

/**
 * The OAuth 2.0 / OpenID Connect side of one node: the oidc-provider engine over our stores,
 * signing with the key ring. The engine itself (engine.ts) is imported when it is first needed, so
 * what needs only the stores (the CLI revoking a user's grants, say) never loads oidc-provider. The engine takes its keys at construction, so it is rebuilt when the
 * ring's published set or active key changes (at most every reload interval); every node builds
 * the same engine from the same shared state, so a rebuild loses nothing.
 */
export class OAuthServer {
  readonly registry: ClientRegistry;
  /** Where the engine's signatures are made, as decided when the server started. */
  readonly signingThread: SigningThread;
  readonly #o: OAuthServerOptions;
  /** The engine's storage adapter, made with the first engine (its module loads oidc-provider). */
  #adapter: ReturnType<typeof createAdapterClass> | undefined;
  /** Verifies the JWT access tokens the engine issued, for introspection and revocation. */
  readonly #keySet: RingKeySet;
  /** Presented client secrets already checked against their stored HMAC (digests only). */
  readonly #verifiedSecrets: VerifiedSecrets;
  #mounted: { version: string; mounted: MountedProvider; checkedAt: number } | undefined;
  #building: Promise<{ version: string; mounted: MountedProvider; checkedAt: number }> | undefined;

  constructor(options: OAuthServerOptions) {
    this.#o = options;
    this.registry = options.registry;
    this.signingThread = options.signingThread;
    this.#keySet = new RingKeySet(options.keyRing, () => options.clock.now());
    this.#verifiedSecrets = new VerifiedSecrets();
    const events = options.events;
    if (events === undefined) return;
    events.on('SessionsEnded', (event) => this.sessionsEnded(event.sessions));
    events.on('UserSignedOut', (event) => this.sessionsEnded([{ userId: event.userId }]));
    events.on('UserDisabled', (event) => this.revokeUser(event.userId));
    events.on('UserDeleted', (event) => this.revokeUser(event.userId));
    events.on('PasswordChanged', (event) => this.revokeUser(event.userId));
    events.on('SigningKeyRevoked', () => this.keysChanged());
  }

  /** Loads the engine's code ahead of the first request (the server does; the CLI never needs it). */
  async preload(): Promise<void> {
    await import('./engine.ts');
  }

  /**
   * The engine for the ring's current keys. The ring is asked at most once a second (it re-reads
   * its store every reload interval anyway, and a new key is published long before it signs).
   */
  async current(): Promise<MountedProvider> {
    const checked = this.currentIfChecked();
    if (checked !== undefined) return checked;
    const mounted = this.#mounted;
    const now = Date.now();
    const signing = await this.#o.keyRing.signingKeys();
    if (mounted !== undefined && mounted.version === signing.version) {
      mounted.checkedAt = now;
      return mounted.mounted;
    }
    if (this.#building === undefined) {
      this.#building = this.#build(signing.keys)
        .then((mounted) => ({ version: signing.version, mounted, checkedAt: now }))
        .finally(() => {
          this.#building = undefined;
        });
    }
    const built = await this.#building;
    this.#mounted = built;
    return built.mounted;
  }

  /**
   * The ring changed out of turn (a signing key was revoked): check its keys on the next request
   * instead of up to a second later, so the engine stops signing with the revoked key at once.
   */
  keysChanged(): void {
    if (this.#mounted !== undefined) this.#mounted.checkedAt = Number.NEGATIVE_INFINITY;
  }

  /** The engine, without waiting, while its keys were checked within the last second. */
  currentIfChecked(): MountedProvider | undefined {
    const mounted = this.#mounted;
    if (mounted === undefined || Date.now() - mounted.checkedAt >= KEY_CHECK_INTERVAL_MS) return undefined;
    return mounted.mounted;
  }

  /**
   * Where a login form may end up when it returns to an OAuth interaction: signing in can finish
   * the authorization at once and send the browser on to the client's redirect URI, and browsers
   * hold redirects after a form submission to the page's `form-action`.
   */
  async formTargetsAfterLogin(returnTo: string): Promise<string[]> {
    const uid = interactionUid(returnTo);
    if (uid === undefined) return [];
    const interaction = await (this.#o.shortLivedArtifacts ?? this.#o.artifacts).find(
      'Interaction',
      uid,
      Date.now(),
    );
    const clientId = (interaction?.payload.params as { client_id?: unknown } | undefined)?.client_id;
    if (typeof clientId !== 'string') return [];
    return formActionSources((await this.registry.get(clientId))?.redirectUris ?? []);
  }

  /** The user's grants to OAuth clients ("connected applications"). */
  async connectedApplications(userId: string): Promise<ConnectedApplication[]> {
    const grants = await this.#o.artifacts.listByAccount('Grant', userId, Date.now());
    const apps: ConnectedApplication[] = [];
    for (const { id, payload } of grants) {
      const clientId = typeof payload.clientId === 'string' ? payload.clientId : '';
      const client = await this.registry.get(clientId);
      const openid = (payload.openid as { scope?: string } | undefined)?.scope ?? '';
      const resources = Object.entries((payload.resources as Record<string, string> | undefined) ?? {}).map(
        ([resource, scope]) => ({ resource, scopes: scope.split(' ').filter(Boolean) }),
      );
      apps.push({
        grantId: id,
        clientId,
        clientName: client?.name ?? clientId,
        scopes: openid.split(' ').filter(Boolean),
        resources,
        expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : null,
      });
    }
    return apps;
  }

  /** Withdraws consent: the grant and every token issued under it. False when not the user's. */
  async revokeGrant(userId: string, grantId: string): Promise<boolean> {
    const grant = await this.#o.artifacts.find('Grant', grantId, Date.now());
    if (grant === undefined || grant.payload.accountId !== userId) return false;
    await this.#revokeGrant(grantId);
    return true;
  }

  /**
   * Ends every grant and engine session of a user (disabled, password changed): refresh tokens
   * stop working at once, JWT access tokens through the revocation feed.
   */
  async revokeUser(userId: string): Promise<number> {
    const now = Date.now();
    const grants = await this.#o.artifacts.listByAccount('Grant', userId, now);
    for (const { id } of grants) await this.#revokeGrant(id);
    await this.#endEngineSessions(userId, now);
    return grants.length;
  }

  /**
   * Gatehouse sessions ended (logout, expiry, password change, disable). Once a user has no live
   * session left, their engine sessions end too, and with them the tokens bound to them (all but
   * offline_access grants). Single sign-on already stops with the Gatehouse session either way
   * (the login check in provider-config.ts).
   */
  async sessionsEnded(ended: readonly { userId: string }[]): Promise<void> {
    const now = Date.now();
    for (const userId of new Set(ended.map((session) => session.userId))) {
      if ((await this.#o.liveSessions(userId)) > 0) continue;
      await this.#endEngineSessions(userId, now);
    }
  }

  /**
   * An initial access token for dynamic client registration (shown once; `ttlSeconds` bounds it).
   * Throws when registration is off.
   */
  async registrationToken(ttlSeconds: number): Promise<string> {
    if (!this.#o.settings.dynamicRegistration)
      throw new GatehouseError('not_found', { detail: 'Dynamic client registration is off.' });
    const { provider } = await this.current();
    return new provider.InitialAccessToken({ expiresIn: ttlSeconds }).save();
  }

  /** Removes expired artifacts (stores without native expiry). */
  async sweep(): Promise<number> {
    return this.#o.artifacts.deleteExpired(Date.now());
  }

  /** Engine sessions end, and with them the refresh tokens bound to them (all but offline_access). */
  async #endEngineSessions(userId: string, now: number): Promise<void> {
    for (const { id, payload } of await this.#o.artifacts.listByAccount('Session', userId, now)) {
      await this.#o.artifacts.destroy('Session', id);
      if (typeof payload.uid === 'string')
        await this.#o.refreshTokens.revokeBySession(oauthRefreshSessionKey(payload.uid), now);
    }
  }

  async #revokeGrant(grantId: string): Promise<void> {
    await this.#o.artifacts.revokeByGrantId(grantId);
    await this.#o.shortLivedArtifacts?.revokeByGrantId(grantId);
    await this.#o.refreshTokens.revokeFamily(oauthRefreshFamilyId(grantId), Date.now());
    await this.#o.artifacts.destroy('Grant', grantId);
    await this.#announceGrantRevoked(grantId);
  }

  async #announceGrantRevoked(grantId: string): Promise<void> {
    const now = this.#o.clock.now();
    await this.#o.revocations.add([
      { type: 'sid', value: grantSid(grantId), at: now, expiresAt: now + this.#o.revocationLifetimeMs },
    ]);
  }

  async #build(keys: readonly ActiveSigningKey[]): Promise<MountedProvider> {
    const engine = await import('./engine.ts');
    this.#adapter ??= engine.createAdapterClass({
      store: this.#o.artifacts,
      refreshTokens: this.#o.refreshTokens,
      shortLived: this.#o.shortLivedArtifacts,
      clients: this.registry,
      onGrantRevoked: (grantId) => this.#announceGrantRevoked(grantId),
      refreshRetry: this.#o.refreshRetry,
    });
    return engine.buildEngine(this.#o, {
      keys,
      adapter: this.#adapter,
      keySet: this.#keySet,
      verifiedSecrets: this.#verifiedSecrets,
      registry: this.registry,
    });
  }
}
