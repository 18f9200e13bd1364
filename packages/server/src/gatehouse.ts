import {
  type AccountFlows,
  Accounts,
  ApiKeyService,
  AuditTrail,
  Authenticator,
  type Clock,
  DeviceCookies,
  defaultReauthenticationRule,
  LifecycleEvents,
  LoginThrottle,
  type MailQueue,
  PermissionResolver,
  type RateLimiter,
  RefreshRotation,
  RevocationIndex,
  randomToken,
  ServiceAccounts,
  SessionManager,
  type SigningAlgorithm,
  systemClock,
  TokenService,
} from '@gatehouse/core';
import type { Logger } from 'pino';
import { wireAccountFlows } from './account-flows.ts';
import { Argon2Hasher } from './argon2-hasher.ts';
import { DecisionLog } from './authz/decision-log.ts';
import { type DecisionPoint, PolicyDecisionPoint, RbacDecisionPoint } from './authz/decision-point.ts';
import { DecisionSubjects } from './authz/decision-subjects.ts';
import { PolicySet } from './authz/policy-set.ts';
import { SubjectStatusCache } from './authz/subject-status.ts';
import type { Config } from './config.ts';
import { createKeyRing, type KeyRing } from './keys/key-ring.ts';
import { type SealedStore, signingKeySealedStore } from './keys/sealed-store.ts';
import { setUpMail } from './mail/mail-setup.ts';
import type { MailWorker } from './mail/mail-worker.ts';
import { deriveKey, deriveKeySet, deriveKeys, resolveMasterSecrets } from './master-secret.ts';
import { TotpFactors } from './mfa/totp-factors.ts';
import { totpSealedStore } from './mfa/totp-sealing.ts';
import { createOAuthServer } from './oauth/create.ts';
import type { OAuthServer } from './oauth/oauth-server.ts';
import { compromisedPasswordChecks } from './passwords/compromised-password-checks.ts';
import { type NodeStorage, openStorage, READINESS_TIMEOUT_MS } from './stores/open-storage.ts';
import { isStoreFailure } from './stores/store-failure.ts';
import { StoreHealth } from './stores/store-health.ts';
import { JwtAccessTokenMinter } from './tokens/access-token-minter.ts';
import { BearerVerifier } from './tokens/bearer-verifier.ts';

/** Every service of one Gatehouse node, wired from the configuration. Only the server wires. */
export interface Gatehouse {
  readonly config: Config;
  readonly clock: Clock;
  /** Every storage port, composed in `stores/open-storage.ts`; ports only, never a connection. */
  readonly storage: NodeStorage;
  readonly sessions: SessionManager;
  readonly authenticator: Authenticator;
  /** Device cookies: browsers that signed in before keep their own login limit. */
  readonly devices: DeviceCookies;
  readonly accounts: Accounts;
  /** Sign-up, email verification, password reset, email change, invitations (docs/accounts.md). */
  readonly accountFlows: AccountFlows;
  readonly permissions: PermissionResolver;
  readonly audit: AuditTrail;
  readonly hasher: Argon2Hasher;
  /** `csrf` issues CSRF tokens; `csrfAccepted` (it and the previous secrets' keys) verifies them. */
  readonly keys: { csrf: Buffer; csrfAccepted: readonly Buffer[] };
  /** Every token Gatehouse signs is signed by this ring. */
  readonly keyRing: KeyRing;
  /** Everything sealed under the master secret, for `gatehouse secrets rekey` (keys/sealed-store.ts). */
  readonly sealedStores: readonly SealedStore[];
  /** Users' TOTP factors, secrets sealed under a master-secret key (docs/mfa.md). */
  readonly totp: TotpFactors;
  readonly tokens: TokenService;
  readonly revocations: RevocationIndex;
  readonly bearer: BearerVerifier;
  /** The policy decision point behind the AuthZEN API. */
  readonly pdp: DecisionPoint;
  readonly apiKeys: ApiKeyService;
  readonly serviceAccounts: ServiceAccounts;
  /** Shared across nodes through Redis when configured, else per process. */
  readonly rateLimiter: RateLimiter;
  /** The policy documents in force (directory + admin API). */
  readonly policies: PolicySet;
  /** The decision point over `policies` (explanations). */
  readonly policyPdp: PolicyDecisionPoint;
  /** OAuth 2.0 / OpenID Connect provider (oidc-provider over our stores). */
  readonly oauth: OAuthServer;
  readonly logger: Logger;
  /** Each store's health from real round trips; logs each outage and recovery once. */
  readonly storeHealth: StoreHealth;
  /** Outgoing email (mail/): rendered at enqueue, delivered later by the mail worker. */
  readonly mail: MailQueue;
  /** Delivers the outbox; started by the server (not by CLI commands), stopped by `close`. */
  readonly mailWorker: MailWorker | undefined;
  close(): Promise<void>;
}

export interface GatehouseOverrides {
  clock?: Clock;
  /** PostgreSQL schema (tests run each in its own). */
  databaseSchema?: string;
  /** Replaces the outbox (tests pass testkit's `RecordingMailQueue`). */
  mail?: MailQueue;
}

export async function createGatehouse(
  config: Config,
  logger: Logger,
  overrides: GatehouseOverrides = {},
): Promise<Gatehouse> {
  const clock = overrides.clock ?? systemClock;
  const secrets = resolveMasterSecrets(config);
  const { current: secret, generated } = secrets;
  if (generated)
    logger.warn({ dataDir: config.dataDir }, 'generated a development master secret in the data dir');
  // Redis reports connection trouble as events (every reconnect attempt): they only make store
  // health probe, which logs the outage once; anything else is worth a warning.
  let storeHealth: StoreHealth | undefined;
  const storage = await openStorage(config, {
    clock,
    databaseSchema: overrides.databaseSchema,
    onRedisError: (error) => {
      if (isStoreFailure(error)) storeHealth?.suspect();
      else logger.warn({ err: error }, 'redis error');
    },
    // A database that failed its last probe is refused at once, not waited on per request.
    failFast: () =>
      storeHealth?.isDown('database')
        ? new Error('store timed out: the database is not answering')
        : undefined,
  });
  const health = new StoreHealth({
    probes: storage.probes,
    logger,
    timeoutMs: READINESS_TIMEOUT_MS,
    recheckMs: 1000,
  });
  storeHealth = health;
  // Background work meets an outage every period; store health has logged it once already.
  const warnUnlessStoreDown = (error: unknown, message: string) => {
    if (isStoreFailure(error)) health.suspect();
    else logger.warn({ err: error }, message);
  };
  const audit = new AuditTrail(storage.audit, clock, (event) =>
    logger.info({ audit: { ...event, details: event.details } }, `audit ${event.type}`),
  );
  const hasher = new Argon2Hasher(
    {
      memoryKib: config.argon2MemoryKib,
      timeCost: config.argon2TimeCost,
      parallelism: config.argon2Parallelism,
    },
    config.hashConcurrency,
  );
  // Lifecycle events (lifecycle-events.ts): core publishes, the token and OAuth sides subscribe, in
  // the order they are built below. Only a publication nobody awaits reports failures here.
  const events = new LifecycleEvents({
    onUnawaitedError: (error, event) =>
      logger.warn({ err: error, event: event.type }, `a ${event.type} subscriber failed`),
  });
  const windowMs = config.loginLimitWindowSeconds * 1000;
  const throttle = new LoginThrottle(
    storage.counters,
    {
      perAccountAndIp: { limit: config.loginLimitPerAccountAndIp, windowMs },
      perAccount: { limit: config.loginLimitPerAccount, windowMs },
      perIp: { limit: config.loginLimitPerIp, windowMs },
      perDevice: { limit: config.loginLimitPerDevice, windowMs },
    },
    clock,
  );
  const deviceKeys = deriveKeySet(secrets, 'device-cookies');
  const devices = new DeviceCookies(
    deviceKeys.current,
    { maxAgeMs: config.deviceCookieMaxAgeSeconds * 1000 },
    clock,
    deviceKeys.previous,
  );
  const authenticator = new Authenticator({
    users: storage.users,
    credentials: storage.credentials,
    hasher,
    throttle,
    devices,
    audit,
    clock,
    dummyHash: await hasher.hash(randomToken(24)),
  });
  const accessTokenTtlMs = config.accessTokenTtlSeconds * 1000;
  const clockSkewMs = config.clockSkewSeconds * 1000;
  const signingKeyStore = storage.signingKeys;
  const rs256SigningKeyStore = storage.rs256SigningKeys;
  const signingKeysKeys = deriveKeySet(secrets, 'signing-keys');
  const sealingKeys = [signingKeysKeys.current, ...signingKeysKeys.previous];
  // What `gatehouse secrets rekey` re-encrypts; TOTP and upstream IdP secrets join here.
  const sealedStores = [
    signingKeySealedStore('signing-keys', signingKeyStore, sealingKeys),
    signingKeySealedStore('rs256-signing-keys', rs256SigningKeyStore, sealingKeys),
  ];
  const keyRing = createKeyRing({
    store: signingKeyStore,
    // ID tokens of clients registered for RS256, whatever GATEHOUSE_SIGNING_ALG is.
    rs256Store: rs256SigningKeyStore,
    encryptionKey: signingKeysKeys.current,
    previousEncryptionKeys: signingKeysKeys.previous,
    maxTokenLifetimeMs: accessTokenTtlMs,
    clock,
    algorithm: config.signingAlgorithm as SigningAlgorithm,
    rotationPeriodMs: config.keyRotationDays * 24 * 60 * 60 * 1000,
    clockSkewMs,
    onError: (error) => warnUnlessStoreDown(error, 'key ring maintenance failed'),
  });
  await keyRing.ensure();
  const mailKeys = deriveKeySet(secrets, 'mail-outbox');
  const mail = setUpMail({
    config,
    outbox: storage.mailOutbox,
    keys: [mailKeys.current, ...mailKeys.previous],
    clock,
    logger,
    override: overrides.mail,
  });
  sealedStores.push(mail.sealedStore);
  const totpKeys = deriveKeySet(secrets, 'totp-secrets');
  const totp = new TotpFactors({
    store: storage.secondFactors,
    keys: [totpKeys.current, ...totpKeys.previous],
    clock,
    issuerName: new URL(config.issuer).host,
  });
  sealedStores.push(totpSealedStore(storage.secondFactors, [totpKeys.current, ...totpKeys.previous]));
  const revocations = new RevocationIndex({
    store: storage.revocations,
    bus: storage.bus,
    clock,
    events,
    catchUpIntervalMs: config.revocationCatchUpMs,
    onError: (error) => warnUnlessStoreDown(error, 'revocation catch-up failed'),
    // A periodic read may just beat pub/sub to an entry; after a gap or a resubscription it was lost.
    onRecovered: (info) =>
      logger[info.reason === 'periodic' ? 'info' : 'warn'](
        info,
        'revocation catch-up applied entries pub/sub had not delivered',
      ),
  });
  await revocations.load();
  revocations.start();
  // A revoked signing key: re-read the ring now rather than at the next 30 s reload, so this node
  // stops signing with it and publishing it (the OAuth engine, subscribed after, follows at once).
  events.on('SigningKeyRevoked', () => keyRing.reload());
  // A half-finished login (password verified, second factor pending) ends with what ends sessions:
  // a new password, a sign-out everywhere, a disabled account.
  const endLoginTransactions = (event: { userId: string }) =>
    storage.loginTransactions.deleteByUser(event.userId).then(() => undefined);
  events.on('PasswordChanged', endLoginTransactions);
  events.on('UserSignedOut', endLoginTransactions);
  events.on('UserDisabled', endLoginTransactions);
  // How long a revocation entry must live: until every token it could match has expired.
  const revocationLifetimeMs = accessTokenTtlMs + clockSkewMs;
  const sessions = new SessionManager({
    events,
    // Mass sign-out: the not-before entry first, then the deletes (see SessionManager.endAll).
    cutOff: (subject) => revocations.cutOff(subject, revocationLifetimeMs),
    // Sessions from before a sign-out cut-off end on every node as soon as the entry arrives.
    signedOutAt: (userId) => revocations.cutOffAt(userId),
    store: storage.sessions,
    users: storage.users,
    bus: storage.bus,
    clock,
    policy: {
      idleTimeoutMs: config.sessionIdleTimeoutSeconds * 1000,
      absoluteTimeoutMs: config.sessionAbsoluteTimeoutSeconds * 1000,
    },
    cacheTtlMs: config.sessionCacheTtlMs,
  });
  // One rotation rule for both token kinds; each derives its successors under its own key.
  const refreshRotation = {
    idleMs: config.refreshTokenIdleSeconds * 1000,
    absoluteMs: config.refreshTokenAbsoluteSeconds * 1000,
    reuseGraceMs: config.refreshReuseGraceSeconds * 1000,
  };
  const tokens = new TokenService({
    events,
    refreshTokens: storage.refreshTokens,
    revocations,
    sessions,
    users: storage.users,
    minter: new JwtAccessTokenMinter({
      // Never a key the feed revoked, even in the milliseconds before this node's ring reload.
      keys: {
        active: async () => {
          const key = await keyRing.active();
          if (!revocations.isKeyRevoked(key.kid)) return key;
          await keyRing.reload();
          return keyRing.active();
        },
        publicKeys: () => keyRing.publicKeys(),
      },
      issuer: config.issuer,
      audience: config.tokenAudience,
      ttlSeconds: config.accessTokenTtlSeconds,
      now: () => clock.now(),
    }),
    clock,
    policy: { accessTokenTtlMs, clockSkewMs },
    audit,
    rotation: new RefreshRotation(refreshRotation, deriveKey(secret, 'refresh-successors')),
  });
  const oauth = createOAuthServer({
    config,
    secrets,
    storage,
    sessions,
    keyRing,
    revocations,
    clock,
    logger,
    audit,
    events,
    refreshRotation,
    revocationLifetimeMs,
  });
  const bearer = new BearerVerifier({
    keys: keyRing,
    revocations,
    users: storage.users,
    issuer: config.issuer,
    audience: config.tokenAudience,
    clockToleranceSeconds: config.clockSkewSeconds,
    maxLifetimeSeconds: config.accessTokenTtlSeconds,
    now: () => clock.now(),
  });
  const accounts = new Accounts({
    events,
    users: storage.users,
    profiles: storage.profiles,
    credentials: storage.credentials,
    roles: storage.roles,
    hasher,
    sessions,
    bus: storage.bus,
    audit,
    clock,
    passwordPolicy: { minLength: config.passwordMinLength, maxLength: config.passwordMaxLength },
    compromisedPasswords: await compromisedPasswordChecks(config, logger),
    reauthentication: { counters: storage.counters, rule: defaultReauthenticationRule },
  });
  const accountFlows = wireAccountFlows({
    config,
    storage,
    accounts,
    hasher,
    sessions,
    events,
    mail: mail.queue,
    audit,
    clock,
    codeKey: deriveKey(secret, 'account-codes'),
    onDeferredError: (error, label) => warnUnlessStoreDown(error, `${label} failed after the response`),
  });
  const permissions = new PermissionResolver({
    roles: storage.roles,
    bus: storage.bus,
    clock,
    cacheTtlMs: config.sessionCacheTtlMs,
  });
  const apiKeys = new ApiKeyService({
    store: storage.apiKeys,
    serviceAccounts: storage.serviceAccounts,
    users: storage.users,
    permissions,
    revocations,
    bus: storage.bus,
    audit,
    clock,
    pepper: deriveKeySet(secrets, 'api-keys').current,
    previousPeppers: deriveKeySet(secrets, 'api-keys').previous,
    policy: {
      cacheTtlMs: config.apiKeyCacheTtlMs,
      defaultRateLimit: { limit: config.apiKeyRateLimit, windowSeconds: config.apiKeyRateWindowSeconds },
    },
    onError: (error) => warnUnlessStoreDown(error, 'recording API key use failed'),
    events,
  });
  apiKeys.start();
  const serviceAccounts = new ServiceAccounts({
    store: storage.serviceAccounts,
    accounts,
    apiKeys,
    audit,
    clock,
  });
  const decisionLog = new DecisionLog(logger, config.decisionLogSampleRate);
  const policies = await PolicySet.open({
    dir: config.policyDir,
    repo: storage.policies,
    bus: storage.bus,
    logger,
  });
  const subjects = new SubjectStatusCache({
    users: storage.users,
    bus: storage.bus,
    clock,
    ttlMs: config.sessionCacheTtlMs,
  });
  const decisionSubjects = new DecisionSubjects({
    identities: subjects,
    permissions,
    clients: (clientId) => oauth.registry.get(clientId),
  });
  const rbacPdp = new RbacDecisionPoint({ subjects: decisionSubjects, log: decisionLog });
  const policyPdp = new PolicyDecisionPoint(() => policies.engine!, {
    subjects: decisionSubjects,
    log: decisionLog,
  });
  return {
    oauth,
    mail: mail.queue,
    mailWorker: mail.worker,
    config,
    clock,
    storage,
    sessions,
    authenticator,
    devices,
    accounts,
    accountFlows,
    permissions,
    audit,
    hasher,
    keys: { csrf: deriveKey(secret, 'csrf'), csrfAccepted: deriveKeys(secrets, 'csrf') },
    keyRing,
    sealedStores,
    totp,
    tokens,
    revocations,
    bearer,
    policies,
    // Policy documents (directory or admin API) when there are any, else the stored roles alone.
    pdp: {
      evaluate: (request, requestId) =>
        (policies.engine === undefined ? rbacPdp : policyPdp).evaluate(request, requestId),
    },
    policyPdp,
    apiKeys,
    serviceAccounts,
    rateLimiter: storage.rateLimiter,
    logger,
    storeHealth: health,
    async close() {
      health.stop();
      keyRing.stop();
      // Work requests left for after their response (emails being enqueued) finishes first.
      await accountFlows.idle();
      revocations.stop();
      await mail.worker?.stop();
      await apiKeys.stop().catch((error) => logger.warn({ err: error }, 'recording API key use failed'));
      await storage.close();
    },
  };
}
