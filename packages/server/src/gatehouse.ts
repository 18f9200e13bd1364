import {
  Accounts,
  AuditTrail,
  Authenticator,
  type Clock,
  LoginThrottle,
  PermissionResolver,
  randomToken,
  SessionManager,
  type Storage,
  systemClock,
} from '@gatehouse/core';
import { createRedisStores } from '@gatehouse/store-redis';
import { createSqlStorage } from '@gatehouse/store-sql';
import type { Logger } from 'pino';
import { Argon2Hasher } from './argon2-hasher.ts';
import type { Config } from './config.ts';
import { deriveKey, ensurePrivateDir, resolveMasterSecret } from './master-secret.ts';

/** Every service of one Gatehouse node, wired from the configuration. Only the server wires. */
export interface Gatehouse {
  readonly config: Config;
  readonly clock: Clock;
  readonly storage: Storage;
  readonly sessions: SessionManager;
  readonly authenticator: Authenticator;
  readonly accounts: Accounts;
  readonly permissions: PermissionResolver;
  readonly audit: AuditTrail;
  readonly hasher: Argon2Hasher;
  readonly keys: { csrf: Buffer };
  readonly logger: Logger;
  close(): Promise<void>;
}

export interface GatehouseOverrides {
  clock?: Clock;
  /** PostgreSQL schema (tests run each in its own). */
  databaseSchema?: string;
}

async function openStorage(config: Config, overrides: GatehouseOverrides) {
  if (config.databaseUrl.startsWith('sqlite:')) ensurePrivateDir(config.dataDir);
  const redis =
    config.redisUrl === undefined
      ? undefined
      : await createRedisStores(config.redisUrl, { prefix: config.redisPrefix });
  const sql = await createSqlStorage({
    url: config.databaseUrl,
    ...(overrides.databaseSchema === undefined ? {} : { schema: overrides.databaseSchema }),
    ...(redis === undefined ? {} : { bus: redis.bus }),
  });
  await sql.migrate();
  const useRedisSessions = config.sessionStore === 'redis';
  if (useRedisSessions && redis === undefined)
    throw new Error('GATEHOUSE_SESSION_STORE=redis needs REDIS_URL.');
  const storage: Storage = {
    users: sql.users,
    credentials: sql.credentials,
    roles: sql.roles,
    audit: sql.audit,
    sessions: useRedisSessions && redis ? redis.sessions : sql.sessions,
    counters: redis ? redis.counters : sql.counters,
    bus: redis ? redis.bus : sql.bus,
    async ping() {
      await sql.ping();
      await redis?.ping();
    },
    async close() {
      await redis?.close();
      await sql.close();
    },
  };
  return storage;
}

export async function createGatehouse(
  config: Config,
  logger: Logger,
  overrides: GatehouseOverrides = {},
): Promise<Gatehouse> {
  const clock = overrides.clock ?? systemClock;
  const { secret, generated } = resolveMasterSecret(config);
  if (generated)
    logger.warn({ dataDir: config.dataDir }, 'generated a development master secret in the data dir');
  const storage = await openStorage(config, overrides);
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
  const sessions = new SessionManager({
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
  const windowMs = config.loginLimitWindowSeconds * 1000;
  const throttle = new LoginThrottle(
    storage.counters,
    {
      perAccountAndIp: { limit: config.loginLimitPerAccountAndIp, windowMs },
      perAccount: { limit: config.loginLimitPerAccount, windowMs },
      perIp: { limit: config.loginLimitPerIp, windowMs },
    },
    clock,
  );
  const authenticator = new Authenticator({
    users: storage.users,
    credentials: storage.credentials,
    hasher,
    throttle,
    audit,
    clock,
    dummyHash: await hasher.hash(randomToken(24)),
  });
  const accounts = new Accounts({
    users: storage.users,
    credentials: storage.credentials,
    roles: storage.roles,
    hasher,
    sessions,
    bus: storage.bus,
    audit,
    clock,
    passwordPolicy: { minLength: config.passwordMinLength, maxLength: config.passwordMaxLength },
  });
  const permissions = new PermissionResolver({
    roles: storage.roles,
    bus: storage.bus,
    clock,
    cacheTtlMs: config.sessionCacheTtlMs,
  });
  return {
    config,
    clock,
    storage,
    sessions,
    authenticator,
    accounts,
    permissions,
    audit,
    hasher,
    keys: { csrf: deriveKey(secret, 'csrf') },
    logger,
    close: () => storage.close(),
  };
}
