import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import type { Config } from './config.ts';
import { createGatehouse, type Gatehouse, type GatehouseOverrides } from './gatehouse.ts';
import { Housekeeping } from './housekeeping.ts';
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
    lease: gatehouse.storage.housekeepingLease,
    intervalMs: config.housekeepingIntervalSeconds * 1000,
    tasks: [
      { name: 'sessions', run: () => gatehouse.sessions.sweepExpired() },
      { name: 'tokens', run: () => gatehouse.tokens.sweepExpired() },
      { name: 'oauth', run: () => gatehouse.oauth.sweep() },
      {
        name: 'mail',
        run: () =>
          gatehouse.storage.mailOutbox.deleteFinishedBefore(
            gatehouse.clock.now() - config.mailRetentionDays * 86_400_000,
          ),
      },
      {
        name: 'account-tokens',
        run: async () => {
          await gatehouse.storage.accountTokens.deleteExpired(gatehouse.clock.now());
        },
      },
      {
        // Logins abandoned between the password and the second factor (docs/mfa.md).
        name: 'login-transactions',
        run: async () => {
          await gatehouse.storage.loginTransactions.deleteExpired(gatehouse.clock.now());
        },
      },
    ],
    logger,
  });
  housekeeping.start();
  gatehouse.mailWorker?.start();
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
      // Stop accepting, end event streams, let requests finish and keep-alive connections close
      // (`Connection: close`) — then Fastify's own close finds nothing left to wait for.
      const drained = await app.connections.drain(config.shutdownTimeoutMs);
      if (!drained)
        logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown: connections still open were cut');
      await app.close();
      // Flushes batched writes (API key last use) and closes the stores.
      await gatehouse.close();
    },
  };
}

/** Time on top of the drain for flushing writes and closing the stores. */
const STORE_CLOSE_MS = 5_000;

/**
 * Graceful shutdown on SIGTERM/SIGINT: exit 0 once drained and flushed (a rolling deploy sees a
 * clean exit), 1 if closing failed or overran the drain bound plus {@link STORE_CLOSE_MS}. A second
 * signal exits 1 at once.
 */
export function closeOnSignals(server: RunningServer): void {
  const { logger, config } = server.gatehouse;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown overran its bound: exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + STORE_CLOSE_MS);
    force.unref();
    server.close().then(
      () => {
        logger.info('shut down');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
