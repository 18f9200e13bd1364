import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import type { Config } from './config.ts';
import { createGatehouse, type Gatehouse, type GatehouseOverrides } from './gatehouse.ts';
import { Housekeeping, housekeepingLease } from './housekeeping.ts';
import { createLogger } from './logger.ts';
import { StoreUnreachableError } from './stores/store-unreachable.ts';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly gatehouse: Gatehouse;
  readonly url: string;
  close(): Promise<void>;
}

/** Opens the stores (migrating them), bootstraps the admin, and listens. */
export async function startServer(
  config: Config,
  overrides: GatehouseOverrides = {},
): Promise<RunningServer> {
  const logger = createLogger(config.logLevel);
  const gatehouse = await createGatehouse(config, logger, overrides).catch((error: unknown) => {
    if (error instanceof StoreUnreachableError)
      logger.fatal({ store: error.store, address: error.address }, error.message);
    throw error;
  });
  await bootstrap(gatehouse);
  gatehouse.keyRing.start();
  const app = await buildApp(gatehouse);
  const housekeeping = new Housekeeping({
    lease: housekeepingLease(gatehouse.storage, randomUUID(), config.redisPrefix),
    intervalMs: config.housekeepingIntervalSeconds * 1000,
    tasks: [
      { name: 'sessions', run: () => gatehouse.sessions.sweepExpired() },
      { name: 'tokens', run: () => gatehouse.tokens.sweepExpired() },
      { name: 'oauth', run: () => gatehouse.oauth.sweep() },
    ],
    logger,
  });
  housekeeping.start();
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  let closed = false;
  return {
    app,
    gatehouse,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    async close() {
      if (closed) return;
      closed = true;
      housekeeping.stop();
      await app.close();
      await gatehouse.close();
    },
  };
}

/** Graceful shutdown: stop accepting, finish in-flight requests, close the stores. */
export function closeOnSignals(server: RunningServer): void {
  const stop = (signal: string) => {
    server.gatehouse.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
