import { randomUUID } from 'node:crypto';
import { type Clock, InProcessRateLimiter, type Storage } from '@gatehouse/core';
import { createRedisStores, type RedisLease } from '@gatehouse/store-redis';
import { createSqlStorage, runWithAdvisoryLock, type SqlDatabase } from '@gatehouse/store-sql';
import type { Config } from '../config.ts';
import type { HousekeepingLease } from '../housekeeping.ts';
import { ensurePrivateDir } from '../master-secret.ts';
import { isStoreFailure } from './store-failure.ts';
import { StoreUnreachableError, storeAddress } from './store-unreachable.ts';

/**
 * The composition root of storage: the one file of the server that names adapters. It picks, per
 * port, SQL (SQLite or PostgreSQL) or Redis from the configuration and hands the rest of the
 * server a `Storage` — ports only, no connection or dialect.
 */

/** Every storage port, plus what only the node itself uses: readiness probes and the housekeeping lease. */
export interface NodeStorage extends Storage {
  /** One round trip per store, for readiness and store health. */
  readonly probes: { database: () => Promise<void>; redis?: () => Promise<void> };
  /** Decides which node sweeps in a housekeeping period. */
  readonly housekeepingLease: HousekeepingLease;
}

export interface OpenStorageOptions {
  readonly clock: Clock;
  /** PostgreSQL schema (tests run each in its own). */
  readonly databaseSchema?: string | undefined;
  readonly onRedisError: (error: unknown) => void;
  /** An error to fail a database call with at once (the database failed its last probe). */
  readonly failFast?: () => Error | undefined;
}

/** A store that has not answered a readiness round trip by then counts as down. */
export const READINESS_TIMEOUT_MS = 1000;

/** Connection-level failures at start (unreachable, refused, bad credentials, no such database). */
const START_FAILURE_STATES = /^(28...|3D000)$/;

/** Connects to the configured stores, migrates the database and returns every port. */
export async function openStorage(config: Config, options: OpenStorageOptions): Promise<NodeStorage> {
  if (config.databaseUrl.startsWith('sqlite:')) ensurePrivateDir(config.dataDir);
  if (config.oauthArtifactStore === 'redis' && config.redisUrl === undefined)
    throw new Error('GATEHOUSE_OAUTH_SHORT_LIVED_STORE=redis needs REDIS_URL.');
  const redisUrl = config.redisUrl;
  const redis =
    redisUrl === undefined
      ? undefined
      : await createRedisStores(redisUrl, {
          prefix: config.redisPrefix,
          commandTimeoutMs: config.redisCommandTimeoutMs,
          onError: options.onRedisError,
        }).catch((error: unknown) => {
          throw new StoreUnreachableError('redis', storeAddress(redisUrl), error);
        });
  const sql = await createSqlStorage({
    url: config.databaseUrl,
    maxConnections: config.pgPoolMax,
    statementTimeoutMs: config.pgStatementTimeoutMs,
    connectTimeoutMs: config.pgConnectTimeoutMs,
    failFast: () => options.failFast?.(),
    now: () => options.clock.now(),
    ...(options.databaseSchema === undefined ? {} : { schema: options.databaseSchema }),
    ...(redis === undefined ? {} : { bus: redis.bus }),
  }).catch(async (error: unknown) => {
    await redis?.close().catch(() => {});
    throw unreachableAtStart(config.databaseUrl, error);
  });
  try {
    await sql.migrate();
  } catch (error) {
    await Promise.all([sql.close(), redis?.close()]).catch(() => {});
    throw unreachableAtStart(config.databaseUrl, error);
  }
  const useRedisSessions = config.sessionStore === 'redis';
  if (useRedisSessions && redis === undefined)
    throw new Error('GATEHOUSE_SESSION_STORE=redis needs REDIS_URL.');
  const owner = randomUUID();
  return {
    users: sql.users,
    profiles: sql.profiles,
    accountTokens: sql.accountTokens,
    credentials: sql.credentials,
    userImports: sql.userImports,
    roles: sql.roles,
    audit: sql.audit,
    sessions: useRedisSessions && redis ? redis.sessions : sql.sessions,
    counters: redis ? redis.counters : sql.counters,
    bus: redis ? redis.bus : sql.bus,
    refreshTokens: sql.refreshTokens,
    revocations: sql.revocations,
    apiKeys: sql.apiKeys,
    serviceAccounts: sql.serviceAccounts,
    signingKeys: sql.signingKeys,
    rs256SigningKeys: sql.rs256SigningKeys,
    oauthClients: sql.oauthClients,
    oauthArtifacts: sql.oauthArtifacts,
    shortLivedOAuthArtifacts: config.oauthArtifactStore === 'redis' ? redis?.oauthArtifacts : undefined,
    policies: sql.policies,
    mailOutbox: sql.mailOutbox,
    secondFactors: sql.secondFactors,
    recoveryCodes: sql.recoveryCodes,
    loginTransactions: sql.loginTransactions,
    rateLimiter: redis ? redis.rateLimiter : new InProcessRateLimiter({ now: () => options.clock.now() }),
    housekeepingLease: redis
      ? redisHousekeepingLease(redis.lease(owner))
      : sql.dialect === 'postgres'
        ? advisoryLockLease(sql.db)
        : SINGLE_NODE_LEASE,
    async ping() {
      await sql.ping();
      await redis?.ping();
    },
    probes: {
      database: () => sql.probe(READINESS_TIMEOUT_MS),
      ...(redis === undefined ? {} : { redis: () => redis.ping() }),
    },
    async close() {
      await redis?.close();
      await sql.close();
    },
  };
}

/**
 * One leader per period with Redis: a lease that expires just before the next period, so one
 * node in the cluster sweeps per period, whichever asks first.
 */
export function redisHousekeepingLease(lease: RedisLease): HousekeepingLease {
  return {
    async run(name, periodMs, task) {
      // 90 %: the holder's own next tick (timers drift) finds the lease free again.
      if (!(await lease.acquire(name, Math.max(1, Math.floor(periodMs * 0.9))))) return false;
      await task();
      return true;
    },
  };
}

/** PostgreSQL alone: a transaction-scoped advisory lock (never two sweeps at once). */
export function advisoryLockLease(db: SqlDatabase['db']): HousekeepingLease {
  return { run: (name, _periodMs, task) => runWithAdvisoryLock(db, name, task) };
}

/** SQLite is one node: always the leader. */
export const SINGLE_NODE_LEASE: HousekeepingLease = {
  async run(_name, _periodMs, task) {
    await task();
    return true;
  },
};

function unreachableAtStart(databaseUrl: string, error: unknown): unknown {
  // The migrator wraps the driver's error: look through the causes for its SQLSTATE.
  const codes: unknown[] = [];
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    codes.push((e as { code?: unknown }).code);
    e = (e as { cause?: unknown }).cause;
  }
  const atStart =
    isStoreFailure(error) ||
    codes.some((code) => typeof code === 'string' && START_FAILURE_STATES.test(code));
  return atStart && !databaseUrl.startsWith('sqlite:')
    ? new StoreUnreachableError('database', storeAddress(databaseUrl), error)
    : error;
}
