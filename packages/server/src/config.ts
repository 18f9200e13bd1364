import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SIGNING_ALGORITHMS } from '@gatehouse/core/jws-algorithms';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { closestName } from './did-you-mean.ts';

/**
 * The whole configuration, validated once against this schema and then frozen. Every key has an
 * environment variable (see `envNames`); an optional JSON file (`GATEHOUSE_CONFIG`) supplies
 * defaults that the environment overrides. Unknown keys are rejected.
 */
export const ConfigSchema = Type.Object(
  {
    nodeEnv: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')]),
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    issuer: Type.String({ pattern: '^https?://[^/?#]+$' }),
    dataDir: Type.String({ minLength: 1 }),
    databaseUrl: Type.String({ minLength: 1 }),
    redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://' })),
    redisPrefix: Type.String({ pattern: '^[A-Za-z0-9:_-]{1,64}$' }),
    redisCommandTimeoutMs: Type.Integer({ minimum: 50, maximum: 60_000 }),
    // Two at least: without Redis, housekeeping holds one connection (its advisory lock) while it sweeps.
    pgPoolMax: Type.Integer({ minimum: 2, maximum: 1000 }),
    pgStatementTimeoutMs: Type.Integer({ minimum: 0, maximum: 3_600_000 }),
    pgConnectTimeoutMs: Type.Integer({ minimum: 100, maximum: 60_000 }),
    housekeepingIntervalSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
    sessionStore: Type.Union([Type.Literal('sql'), Type.Literal('redis')]),
    secret: Type.Optional(Type.String({ minLength: 32 })),
    // Comma-separated earlier master secrets, each 32+ characters (master-secret.ts).
    secretPrevious: Type.Optional(Type.String({ pattern: '^[^,]{32,}(,[^,]{32,})*$' })),
    trustProxy: Type.Union([Type.Boolean(), Type.Integer({ minimum: 1 }), Type.String({ minLength: 1 })]),
    sessionIdleTimeoutSeconds: Type.Integer({ minimum: 1 }),
    sessionAbsoluteTimeoutSeconds: Type.Integer({ minimum: 1 }),
    sessionCacheTtlMs: Type.Integer({ minimum: 0, maximum: 60_000 }),
    passwordMinLength: Type.Integer({ minimum: 8, maximum: 64 }),
    passwordMaxLength: Type.Integer({ minimum: 64, maximum: 1024 }),
    // An operator's own list of forbidden passwords, checked beside the bundled one.
    passwordBlocklistFile: Type.Optional(Type.String({ minLength: 1 })),
    // The Have I Been Pwned range endpoint; unset, no password lookup leaves the server.
    hibpRangeUrl: Type.Optional(Type.String({ pattern: '^https?://.+/$' })),
    hibpTimeoutMs: Type.Integer({ minimum: 100, maximum: 30_000 }),
    loginLimitPerAccountAndIp: Type.Integer({ minimum: 1 }),
    loginLimitPerAccount: Type.Integer({ minimum: 1 }),
    loginLimitPerIp: Type.Integer({ minimum: 1 }),
    loginLimitWindowSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
    loginLimitPerDevice: Type.Integer({ minimum: 1 }),
    // Browsers cap a cookie's Max-Age at 400 days.
    deviceCookieMaxAgeSeconds: Type.Integer({ minimum: 3600, maximum: 400 * 86_400 }),
    argon2MemoryKib: Type.Integer({ minimum: 19_456 }),
    argon2TimeCost: Type.Integer({ minimum: 2 }),
    argon2Parallelism: Type.Integer({ minimum: 1, maximum: 16 }),
    hashConcurrency: Type.Integer({ minimum: 1, maximum: 64 }),
    adminEmail: Type.Optional(Type.String({ minLength: 3 })),
    adminPassword: Type.Optional(Type.String({ minLength: 1 })),
    introspectionSecret: Type.Optional(Type.String({ minLength: 32 })),
    accessTokenTtlSeconds: Type.Integer({ minimum: 60, maximum: 900 }),
    refreshTokenIdleSeconds: Type.Integer({ minimum: 60 }),
    refreshTokenAbsoluteSeconds: Type.Integer({ minimum: 60 }),
    tokenAudience: Type.String({ minLength: 1 }),
    signingAlgorithm: Type.Union(SIGNING_ALGORITHMS.map((a) => Type.Literal(a))),
    keyRotationDays: Type.Integer({ minimum: 1, maximum: 365 }),
    signingThread: Type.Union([
      Type.Literal('auto'),
      Type.Literal('thread-pool'),
      Type.Literal('event-loop'),
    ]),
    clockSkewSeconds: Type.Integer({ minimum: 0, maximum: 300 }),
    policyDir: Type.Optional(Type.String({ minLength: 1 })),
    apiKeyRateLimit: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    apiKeyRateWindowSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
    apiKeyCacheTtlMs: Type.Integer({ minimum: 0, maximum: 60_000 }),
    apiKeyFailureLimitPerIp: Type.Integer({ minimum: 1, maximum: 100_000 }),
    revocationCatchUpMs: Type.Integer({ minimum: 100, maximum: 60_000 }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    ),
    decisionLogSampleRate: Type.Number({ minimum: 0, maximum: 1 }),
    oauthArtifactStore: Type.Union([Type.Literal('sql'), Type.Literal('redis')]),
    oauthDynamicRegistration: Type.Union([Type.Literal('off'), Type.Literal('initial-access-token')]),
    refreshReuseGraceSeconds: Type.Integer({ minimum: 0, maximum: 300 }),
    shutdownTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000 }),
    // Email (docs/accounts.md, "Email"). Credentials in the URL are never logged.
    smtpUrl: Type.Optional(Type.String({ pattern: '^smtps?://[^/?#]+' })),
    mailFrom: Type.Optional(Type.String({ minLength: 3, maxLength: 320, pattern: '^[^\\r\\n]+$' })),
    smtpAllowPlaintext: Type.Boolean(),
    smtpTlsRejectUnauthorized: Type.Boolean(),
    mailTemplatesDir: Type.Optional(Type.String({ minLength: 1 })),
    mailMaxAttempts: Type.Integer({ minimum: 1, maximum: 50 }),
    mailPollIntervalMs: Type.Integer({ minimum: 50, maximum: 60_000 }),
    mailRetentionDays: Type.Integer({ minimum: 1, maximum: 365 }),
    registration: Type.Union([Type.Literal('closed'), Type.Literal('invite'), Type.Literal('open')]),
    // Comma-separated lower-case domains; absent: any domain may sign up (when registration is open).
    registrationDomains: Type.Optional(
      Type.String({ pattern: '^[a-z0-9.-]+\\.[a-z0-9-]+(,[a-z0-9.-]+\\.[a-z0-9-]+)*$' }),
    ),
    passwordResetTtlSeconds: Type.Integer({ minimum: 60, maximum: 86_400 }),
    emailVerificationTtlSeconds: Type.Integer({ minimum: 300, maximum: 30 * 86_400 }),
    invitationTtlSeconds: Type.Integer({ minimum: 300, maximum: 90 * 86_400 }),
    mailLimitPerAddress: Type.Integer({ minimum: 1 }),
    mailLimitPerIp: Type.Integer({ minimum: 1 }),
    mailLimitWindowSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
  },
  { additionalProperties: false },
);

export type Config = Readonly<Static<typeof ConfigSchema>>;

/** Environment variable for each key. */
export const envNames: Record<keyof Config, string> = {
  nodeEnv: 'NODE_ENV',
  host: 'HOST',
  port: 'PORT',
  issuer: 'GATEHOUSE_ISSUER',
  dataDir: 'GATEHOUSE_DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  redisUrl: 'REDIS_URL',
  redisPrefix: 'GATEHOUSE_REDIS_PREFIX',
  redisCommandTimeoutMs: 'GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS',
  pgPoolMax: 'GATEHOUSE_PG_POOL_MAX',
  pgStatementTimeoutMs: 'GATEHOUSE_PG_STATEMENT_TIMEOUT_MS',
  pgConnectTimeoutMs: 'GATEHOUSE_PG_CONNECT_TIMEOUT_MS',
  housekeepingIntervalSeconds: 'GATEHOUSE_HOUSEKEEPING_INTERVAL',
  sessionStore: 'GATEHOUSE_SESSION_STORE',
  secret: 'GATEHOUSE_SECRET',
  secretPrevious: 'GATEHOUSE_SECRET_PREVIOUS',
  trustProxy: 'GATEHOUSE_TRUST_PROXY',
  sessionIdleTimeoutSeconds: 'GATEHOUSE_SESSION_IDLE_TIMEOUT',
  sessionAbsoluteTimeoutSeconds: 'GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT',
  sessionCacheTtlMs: 'GATEHOUSE_SESSION_CACHE_TTL_MS',
  passwordMinLength: 'GATEHOUSE_PASSWORD_MIN_LENGTH',
  passwordMaxLength: 'GATEHOUSE_PASSWORD_MAX_LENGTH',
  passwordBlocklistFile: 'GATEHOUSE_PASSWORD_BLOCKLIST_FILE',
  hibpRangeUrl: 'GATEHOUSE_HIBP_RANGE_URL',
  hibpTimeoutMs: 'GATEHOUSE_HIBP_TIMEOUT_MS',
  loginLimitPerAccountAndIp: 'GATEHOUSE_LOGIN_LIMIT_ACCOUNT_IP',
  loginLimitPerAccount: 'GATEHOUSE_LOGIN_LIMIT_ACCOUNT',
  loginLimitPerIp: 'GATEHOUSE_LOGIN_LIMIT_IP',
  loginLimitWindowSeconds: 'GATEHOUSE_LOGIN_LIMIT_WINDOW',
  loginLimitPerDevice: 'GATEHOUSE_LOGIN_LIMIT_DEVICE',
  deviceCookieMaxAgeSeconds: 'GATEHOUSE_DEVICE_COOKIE_MAX_AGE',
  argon2MemoryKib: 'GATEHOUSE_ARGON2_MEMORY_KIB',
  argon2TimeCost: 'GATEHOUSE_ARGON2_TIME_COST',
  argon2Parallelism: 'GATEHOUSE_ARGON2_PARALLELISM',
  hashConcurrency: 'GATEHOUSE_HASH_CONCURRENCY',
  adminEmail: 'GATEHOUSE_ADMIN_EMAIL',
  adminPassword: 'GATEHOUSE_ADMIN_PASSWORD',
  introspectionSecret: 'GATEHOUSE_INTROSPECTION_SECRET',
  accessTokenTtlSeconds: 'GATEHOUSE_ACCESS_TOKEN_TTL',
  refreshTokenIdleSeconds: 'GATEHOUSE_REFRESH_TOKEN_IDLE_TIMEOUT',
  refreshTokenAbsoluteSeconds: 'GATEHOUSE_REFRESH_TOKEN_ABSOLUTE_TIMEOUT',
  tokenAudience: 'GATEHOUSE_TOKEN_AUDIENCE',
  signingAlgorithm: 'GATEHOUSE_SIGNING_ALG',
  keyRotationDays: 'GATEHOUSE_KEY_ROTATION_DAYS',
  signingThread: 'GATEHOUSE_SIGNING_THREAD',
  clockSkewSeconds: 'GATEHOUSE_CLOCK_SKEW',
  policyDir: 'GATEHOUSE_POLICY_DIR',
  apiKeyRateLimit: 'GATEHOUSE_API_KEY_RATE_LIMIT',
  apiKeyRateWindowSeconds: 'GATEHOUSE_API_KEY_RATE_WINDOW',
  apiKeyCacheTtlMs: 'GATEHOUSE_API_KEY_CACHE_TTL_MS',
  apiKeyFailureLimitPerIp: 'GATEHOUSE_API_KEY_FAILURE_LIMIT_IP',
  revocationCatchUpMs: 'GATEHOUSE_REVOCATION_CATCHUP_MS',
  logLevel: 'LOG_LEVEL',
  decisionLogSampleRate: 'GATEHOUSE_DECISION_LOG_SAMPLE_RATE',
  oauthArtifactStore: 'GATEHOUSE_OAUTH_SHORT_LIVED_STORE',
  oauthDynamicRegistration: 'GATEHOUSE_OAUTH_DYNAMIC_REGISTRATION',
  refreshReuseGraceSeconds: 'GATEHOUSE_REFRESH_REUSE_GRACE_SECONDS',
  shutdownTimeoutMs: 'GATEHOUSE_SHUTDOWN_TIMEOUT_MS',
  smtpUrl: 'GATEHOUSE_SMTP_URL',
  mailFrom: 'GATEHOUSE_MAIL_FROM',
  smtpAllowPlaintext: 'GATEHOUSE_SMTP_DANGEROUSLY_ALLOW_PLAINTEXT',
  smtpTlsRejectUnauthorized: 'GATEHOUSE_SMTP_TLS_REJECT_UNAUTHORIZED',
  mailTemplatesDir: 'GATEHOUSE_MAIL_TEMPLATES_DIR',
  mailMaxAttempts: 'GATEHOUSE_MAIL_MAX_ATTEMPTS',
  mailPollIntervalMs: 'GATEHOUSE_MAIL_POLL_INTERVAL_MS',
  mailRetentionDays: 'GATEHOUSE_MAIL_RETENTION_DAYS',
  registration: 'GATEHOUSE_REGISTRATION',
  registrationDomains: 'GATEHOUSE_REGISTRATION_DOMAINS',
  passwordResetTtlSeconds: 'GATEHOUSE_PASSWORD_RESET_TTL',
  emailVerificationTtlSeconds: 'GATEHOUSE_EMAIL_VERIFICATION_TTL',
  invitationTtlSeconds: 'GATEHOUSE_INVITATION_TTL',
  mailLimitPerAddress: 'GATEHOUSE_MAIL_LIMIT_ADDRESS',
  mailLimitPerIp: 'GATEHOUSE_MAIL_LIMIT_IP',
  mailLimitWindowSeconds: 'GATEHOUSE_MAIL_LIMIT_WINDOW',
};

/**
 * `GATEHOUSE_*` variables that are not settings of the server, but may share its environment:
 * the config file's name, what the examples' services read (the README's quick start exports them
 * for both), and the knobs of the test suites. Any other `GATEHOUSE_*` variable is refused, as an
 * unknown key of the config file is: a misspelt setting must not be silently ignored.
 */
export const otherGatehouseVariables: ReadonlySet<string> = new Set([
  'GATEHOUSE_CONFIG',
  // examples/notes-api (a resource server pointing at Gatehouse)
  'GATEHOUSE_URL',
  'GATEHOUSE_JWKS_URI',
  // the test suites (testkit/services.ts, login.timing.test.ts)
  'GATEHOUSE_REQUIRE_SERVICES',
  'GATEHOUSE_TEST_DATABASE_URL',
  'GATEHOUSE_TEST_REDIS_URL',
  'GATEHOUSE_TIMING_MAX_LOAD',
  'GATEHOUSE_TIMING_PAIRS',
  'GATEHOUSE_TIMING_LOAD_WAIT_MS',
]);

const PREFIX = 'GATEHOUSE_';

/** Every `GATEHOUSE_*` variable that is neither a setting nor known to be someone else's. */
function unknownVariables(env: NodeJS.ProcessEnv): string[] {
  const settings = Object.values(envNames).filter((name) => name.startsWith(PREFIX));
  const known = new Set([...settings, ...otherGatehouseVariables]);
  return Object.keys(env)
    .filter((name) => name.startsWith(PREFIX) && !known.has(name))
    .sort()
    .map((name) => {
      // Compared without the shared prefix, which would make any two names look alike.
      const meant = closestName(
        name.slice(PREFIX.length),
        settings.map((setting) => setting.slice(PREFIX.length)),
      );
      return `Unknown environment variable ${name}${meant === undefined ? '' : ` (did you mean ${PREFIX}${meant}?)`}`;
    });
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Raw = Record<string, unknown>;

function defaults(raw: Raw): Raw {
  const port = typeof raw.port === 'number' ? raw.port : 8080;
  const dataDir = typeof raw.dataDir === 'string' ? raw.dataDir : './data';
  return {
    nodeEnv: 'development',
    host: '127.0.0.1',
    port,
    issuer: `http://localhost:${port}`,
    dataDir,
    databaseUrl: `sqlite:${resolve(dataDir, 'gatehouse.db')}`,
    redisPrefix: 'gatehouse:',
    redisCommandTimeoutMs: 500,
    pgPoolMax: 10,
    pgStatementTimeoutMs: 5000,
    pgConnectTimeoutMs: 2000,
    housekeepingIntervalSeconds: 60,
    sessionStore: raw.redisUrl === undefined ? 'sql' : 'redis',
    trustProxy: false,
    sessionIdleTimeoutSeconds: 30 * 60,
    sessionAbsoluteTimeoutSeconds: 12 * 60 * 60,
    sessionCacheTtlMs: 1000,
    passwordMinLength: 15,
    passwordMaxLength: 256,
    hibpTimeoutMs: 1500,
    loginLimitPerAccountAndIp: 10,
    loginLimitPerAccount: 20,
    loginLimitPerIp: 100,
    loginLimitWindowSeconds: 15 * 60,
    loginLimitPerDevice: 10,
    deviceCookieMaxAgeSeconds: 365 * 86_400,
    argon2MemoryKib: 19_456,
    argon2TimeCost: 2,
    argon2Parallelism: 1,
    hashConcurrency: 2,
    accessTokenTtlSeconds: 600,
    refreshTokenIdleSeconds: 24 * 60 * 60,
    refreshTokenAbsoluteSeconds: 30 * 24 * 60 * 60,
    tokenAudience: typeof raw.issuer === 'string' ? raw.issuer : `http://localhost:${port}`,
    signingAlgorithm: 'ES256',
    keyRotationDays: 30,
    signingThread: 'auto',
    clockSkewSeconds: 30,
    apiKeyRateLimit: 600,
    apiKeyRateWindowSeconds: 60,
    apiKeyCacheTtlMs: 5000,
    apiKeyFailureLimitPerIp: 20,
    revocationCatchUpMs: 1000,
    logLevel: 'info',
    decisionLogSampleRate: 0.01,
    oauthArtifactStore: 'sql',
    oauthDynamicRegistration: 'off',
    refreshReuseGraceSeconds: 30,
    shutdownTimeoutMs: 10_000,
    smtpAllowPlaintext: false,
    smtpTlsRejectUnauthorized: true,
    mailMaxAttempts: 8,
    mailPollIntervalMs: 1000,
    mailRetentionDays: 7,
    registration: 'closed',
    passwordResetTtlSeconds: 30 * 60,
    emailVerificationTtlSeconds: 24 * 60 * 60,
    invitationTtlSeconds: 7 * 24 * 60 * 60,
    mailLimitPerAddress: 5,
    mailLimitPerIp: 20,
    mailLimitWindowSeconds: 15 * 60,
  };
}

const numericKeys = new Set<keyof Config>([
  'port',
  'redisCommandTimeoutMs',
  'pgPoolMax',
  'pgStatementTimeoutMs',
  'pgConnectTimeoutMs',
  'housekeepingIntervalSeconds',
  'sessionIdleTimeoutSeconds',
  'sessionAbsoluteTimeoutSeconds',
  'sessionCacheTtlMs',
  'passwordMinLength',
  'passwordMaxLength',
  'hibpTimeoutMs',
  'loginLimitPerAccountAndIp',
  'loginLimitPerAccount',
  'loginLimitPerIp',
  'loginLimitWindowSeconds',
  'loginLimitPerDevice',
  'deviceCookieMaxAgeSeconds',
  'argon2MemoryKib',
  'argon2TimeCost',
  'argon2Parallelism',
  'hashConcurrency',
  'accessTokenTtlSeconds',
  'refreshTokenIdleSeconds',
  'refreshTokenAbsoluteSeconds',
  'keyRotationDays',
  'clockSkewSeconds',
  'apiKeyRateLimit',
  'apiKeyRateWindowSeconds',
  'apiKeyCacheTtlMs',
  'apiKeyFailureLimitPerIp',
  'refreshReuseGraceSeconds',
  'shutdownTimeoutMs',
  'revocationCatchUpMs',
  'mailMaxAttempts',
  'mailPollIntervalMs',
  'mailRetentionDays',
  'passwordResetTtlSeconds',
  'emailVerificationTtlSeconds',
  'invitationTtlSeconds',
  'mailLimitPerAddress',
  'mailLimitPerIp',
  'mailLimitWindowSeconds',
]);

const booleanKeys = new Set<keyof Config>(['smtpAllowPlaintext', 'smtpTlsRejectUnauthorized']);

function fromEnv(env: NodeJS.ProcessEnv): Raw {
  const raw: Raw = {};
  for (const [key, name] of Object.entries(envNames) as [keyof Config, string][]) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (numericKeys.has(key)) raw[key] = /^-?\d+$/.test(value) ? Number(value) : value;
    else if (key === 'trustProxy') raw[key] = parseTrustProxy(value);
    else if (booleanKeys.has(key)) raw[key] = value === 'true' ? true : value === 'false' ? false : value;
    else if (key === 'decisionLogSampleRate') raw[key] = /^\d*\.?\d+$/.test(value) ? Number(value) : value;
    else raw[key] = value;
  }
  return raw;
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/**
 * Store URLs are checked by scheme before anything else: a typo such as `postgress://` or another
 * database's URL must stop the start, never fall back to a local SQLite file (each node its own
 * database: a split cluster). Only the scheme is echoed, never the credentials in the URL.
 */
function storeUrlProblems(raw: Raw): string[] {
  const problems: string[] = [];
  const scheme = (url: string) => /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(url)?.[0] ?? '(none)';
  const { databaseUrl, redisUrl } = raw;
  if (typeof databaseUrl === 'string' && !/^(sqlite:|postgres(ql)?:\/\/)/i.test(databaseUrl)) {
    problems.push(
      `DATABASE_URL must start with sqlite: or postgres:// (postgresql://); its scheme is ${scheme(databaseUrl)}`,
    );
  }
  if (typeof redisUrl === 'string' && !/^rediss?:\/\//i.test(redisUrl)) {
    problems.push(
      /sentinel|cluster/i.test(scheme(redisUrl))
        ? `REDIS_URL: Redis Sentinel and Cluster are not supported (point REDIS_URL at the primary through a stable address, e.g. a proxy or DNS name the failover updates); its scheme is ${scheme(redisUrl)}`
        : `REDIS_URL must start with redis:// or rediss://; its scheme is ${scheme(redisUrl)}`,
    );
  }
  return problems;
}

/** Settings that must never reach production. */
function productionProblems(config: Config): string[] {
  const problems: string[] = [];
  if (config.secret === undefined)
    problems.push('GATEHOUSE_SECRET is required in production (32+ random characters).');
  if (!config.issuer.startsWith('https://'))
    problems.push('GATEHOUSE_ISSUER must be an https:// URL in production.');
  if (config.trustProxy === true) {
    problems.push('GATEHOUSE_TRUST_PROXY=true trusts every hop; name the proxy addresses or CIDRs.');
  }
  if (typeof config.trustProxy === 'number') {
    problems.push(
      'GATEHOUSE_TRUST_PROXY as a hop count believes X-Forwarded-* from any peer, so a client reaching Gatehouse directly could claim https or any address; name the proxy addresses or CIDRs.',
    );
  }
  if (config.sessionCacheTtlMs > 5000)
    problems.push('GATEHOUSE_SESSION_CACHE_TTL_MS above 5000 delays revocation.');
  return problems;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Raw = {}): Config {
  const unknown = unknownVariables(env);
  if (unknown.length > 0) throw new ConfigError(unknown);
  const file = env.GATEHOUSE_CONFIG;
  let fromFile: Raw = {};
  if (file !== undefined && file !== '') {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Raw;
    } catch (error) {
      throw new ConfigError([`Cannot read config file ${file}: ${(error as Error).message}`]);
    }
  }
  const explicit = { ...fromFile, ...fromEnv(env), ...overrides };
  const candidate = { ...defaults(explicit), ...explicit };
  const urlProblems = storeUrlProblems(candidate);
  if (urlProblems.length > 0) throw new ConfigError(urlProblems);
  const problems = [...Value.Errors(ConfigSchema, candidate)].map(
    (e) =>
      `${e.path.slice(1) || '(root)'} (${envNames[e.path.slice(1) as keyof Config] ?? 'unknown key'}): ${e.message}`,
  );
  if (problems.length > 0) throw new ConfigError(problems);
  const config = candidate as Config;
  if (config.sessionAbsoluteTimeoutSeconds < config.sessionIdleTimeoutSeconds) {
    throw new ConfigError(['GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT must be at least the idle timeout.']);
  }
  if (config.secretPrevious?.split(',').includes(config.secret ?? '')) {
    throw new ConfigError(['GATEHOUSE_SECRET_PREVIOUS must not hold GATEHOUSE_SECRET itself.']);
  }
  if (config.nodeEnv === 'production') {
    const unsafe = productionProblems(config);
    if (unsafe.length > 0) throw new ConfigError(unsafe);
  }
  return Object.freeze(config);
}

/** True when cookies and pages are served over TLS (or localhost, which browsers treat as secure). */
export function isSecureOrigin(config: Config): boolean {
  const url = new URL(config.issuer);
  return url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}
