import type { Redis } from 'ioredis';
import { RedisInvalidationBus } from './bus.ts';
import { RedisCounterStore } from './counters.ts';
import { RedisLease } from './lease.ts';
import { RedisOAuthArtifactStore } from './oauth-artifacts.ts';
import { RedisRateLimiter } from './rate-limiter.ts';
import { RedisSessionStore } from './sessions.ts';

export interface RedisStoresOptions {
  /** Prefix of every key and of the pub/sub channel; lets several deployments share one Redis. */
  prefix?: string;
  /** Connection errors after startup and subscriber failures. Defaults to console.error. */
  onError?: (error: unknown) => void;
  /**
   * A command without an answer by then fails (default 500 ms): a stalled Redis gives errors the
   * server turns into 503s, never a hang.
   */
  commandTimeoutMs?: number;
  /** How long a connection attempt may take (default 2000 ms). */
  connectTimeoutMs?: number;
}

export interface RedisStores {
  readonly redis: Redis;
  readonly sessions: RedisSessionStore;
  readonly counters: RedisCounterStore;
  readonly rateLimiter: RedisRateLimiter;
  readonly bus: RedisInvalidationBus;
  /** Short-lived OAuth artifacts (codes, interactions, sessions), expired by Redis itself. */
  readonly oauthArtifacts: RedisOAuthArtifactStore;
  /** A lease held in this Redis under `owner`'s name (one node per housekeeping period). */
  lease(owner: string): RedisLease;
  /** Throws unless Redis is connected and answers; a timeout also reconnects (see there). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Connects (failing fast when Redis is unreachable at startup) and builds the Redis-backed stores. */
export async function createRedisStores(url: string, options: RedisStoresOptions = {}): Promise<RedisStores> {
  const prefix = options.prefix ?? 'gatehouse:';
  const onError = options.onError ?? ((error: unknown) => console.error('gatehouse: Redis error', error));
  // The driver is loaded only by deployments that use Redis.
  const { Redis } = await import('ioredis');
  // Fail fast, fail closed: no offline queue (a command while disconnected fails at once instead
  // of waiting for a reconnect), one resend after a reconnect at most, and a deadline per command
  // (a stalled server leaves the connection open, so only a timeout notices it).
  const redis: Redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: options.connectTimeoutMs ?? 2000,
  });
  // Until connected, failures surface as the rejection below; after that (reconnect attempts), here.
  let connected = false;
  redis.on('error', (error: unknown) => {
    if (connected) onError(error);
  });
  try {
    await redis.connect();
    connected = true;
  } catch (error) {
    redis.disconnect();
    throw new Error(`Cannot connect to Redis: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const bus = new RedisInvalidationBus(redis, { channel: `${prefix}invalidations`, onError });
  try {
    await bus.ready();
  } catch (error) {
    await bus.close().catch(() => {});
    redis.disconnect();
    throw error;
  }
  return {
    redis,
    sessions: new RedisSessionStore(redis, { prefix }),
    counters: new RedisCounterStore(redis, { prefix }),
    rateLimiter: new RedisRateLimiter(redis, { prefix }),
    bus,
    oauthArtifacts: new RedisOAuthArtifactStore(redis, { prefix }),
    lease: (owner) => new RedisLease(redis, { prefix, owner }),
    async ping() {
      // Fail at once instead of queueing the command until a reconnect: this feeds readiness checks.
      if (redis.status !== 'ready') throw new Error(`Redis connection is ${redis.status}`);
      try {
        await redis.ping();
      } catch (error) {
        // A stalled server keeps the connection open, and every command sent meanwhile stays in
        // the client's queue until a reply comes (its caller got the timeout long ago). Starting
        // afresh rejects them all, so that queue never holds more than one probe interval.
        if (error instanceof Error && error.message.startsWith('Command timed out')) redis.disconnect(true);
        throw error;
      }
    },
    async close() {
      await bus.close();
      await redis.quit();
    },
  };
}
