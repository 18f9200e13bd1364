import { fastifyCookie } from '@fastify/cookie';
import {
  type AuditTrail,
  type Clock,
  type LifecycleEvents,
  RefreshRotation,
  type RefreshRotationPolicy,
  type RevocationIndex,
  type SessionManager,
  type Storage,
} from '@gatehouse/core';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { SESSION_COOKIE } from '../http/session-cookie.ts';
import { signingThreadFor } from '../keys/key-material.ts';
import type { KeyRing } from '../keys/key-ring.ts';
import { deriveKey, deriveKeys, type MasterSecrets } from '../master-secret.ts';
import { ClientRegistry } from './client-registry.ts';
import { OAuthServer } from './oauth-server.ts';
import { RefreshRetry } from './refresh-retry.ts';

export interface OAuthWiring {
  readonly config: Config;
  readonly secrets: MasterSecrets;
  readonly storage: Storage;
  readonly sessions: SessionManager;
  readonly keyRing: KeyRing;
  readonly revocations: RevocationIndex;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly audit: AuditTrail;
  /** The lifecycle events the OAuth side subscribes to (oauth-server.ts). */
  readonly events: LifecycleEvents;
  /** The refresh rotation policy first-party tokens follow too. */
  readonly refreshRotation: RefreshRotationPolicy;
  /** How long a revocation entry must live: the access-token lifetime plus skew, as for first-party tokens. */
  readonly revocationLifetimeMs: number;
}

/** Wires the OAuth server from the configuration (called by `createGatehouse`). */
export function createOAuthServer(w: OAuthWiring): OAuthServer {
  const { config } = w;
  const registry = new ClientRegistry({
    store: w.storage.oauthClients,
    // The current secret's key hashes; the previous ones' still verify (and re-hash on use).
    secretKeys: deriveKeys(w.secrets, 'oauth-client-secrets'),
    clock: w.clock,
  });
  // The same rule as first-party refresh tokens, under a key of its own.
  const refreshRotation = new RefreshRotation(
    w.refreshRotation,
    deriveKey(w.secrets.current, 'oauth-refresh-successors'),
  );
  const signingThread = signingThreadFor(config.signingThread);
  w.logger.info(
    { signingThread, setting: config.signingThread },
    `the OAuth engine signs in the ${signingThread.replace('-', ' ')}`,
  );
  return new OAuthServer({
    registry,
    artifacts: w.storage.oauthArtifacts,
    shortLivedArtifacts: w.storage.shortLivedOAuthArtifacts,
    refreshTokens: w.storage.refreshTokens,
    keyRing: w.keyRing,
    signingThread,
    revocations: w.revocations,
    clock: w.clock,
    revocationLifetimeMs: w.revocationLifetimeMs,
    // Always: the mount (routes/oauth.ts) sets the forwarded headers itself, from the issuer and
    // the client address Fastify resolved; nothing a client sends reaches the engine's URL logic.
    proxy: true,
    clockSkewSeconds: config.clockSkewSeconds,
    logger: w.logger,
    liveSessions: async (userId) => (await w.sessions.list(userId)).length,
    audit: w.audit,
    refreshRetry: new RefreshRetry(refreshRotation),
    events: w.events,
    settings: {
      issuer: config.issuer,
      // Koa refuses Secure cookies over plain http; localhost development runs without TLS.
      secureCookies: config.issuer.startsWith('https://'),
      // Signed with the first; cookies signed under a previous secret still verify for their lifetime.
      cookieKeys: deriveKeys(w.secrets, 'oauth-cookies').map((key) => key.toString('base64url')),
      signingAlgorithm: w.keyRing.algorithm,
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      refreshRotation,
      sessionAbsoluteSeconds: config.sessionAbsoluteTimeoutSeconds,
      findUser: (id) => w.storage.users.findById(id),
      findProfile: (id) => w.storage.profiles.get(id),
      dynamicRegistration: config.oauthDynamicRegistration === 'initial-access-token',
      endSessionFromCookies: async (header) => {
        const token = header === undefined ? undefined : fastifyCookie.parse(header)[SESSION_COOKIE];
        const active = token === undefined ? undefined : await w.sessions.resolve(token);
        if (active !== undefined) await w.sessions.end(active.record.idHash);
      },
      sessionFromCookies: async (header) => {
        if (header === undefined) return null;
        const token = fastifyCookie.parse(header)[SESSION_COOKIE];
        return token === undefined ? null : ((await w.sessions.resolve(token)) ?? null);
      },
    },
  });
}
