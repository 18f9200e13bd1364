export { RedisInvalidationBus, type RedisInvalidationBusOptions } from './bus.ts';
export { RedisCounterStore, type RedisCounterStoreOptions } from './counters.ts';
export { RedisLease } from './lease.ts';
export { RedisOAuthArtifactStore, type RedisOAuthArtifactStoreOptions } from './oauth-artifacts.ts';
export { RedisRateLimiter } from './rate-limiter.ts';
export { RedisSessionStore, type RedisSessionStoreOptions } from './sessions.ts';
export { createRedisStores, type RedisStores, type RedisStoresOptions } from './stores.ts';
