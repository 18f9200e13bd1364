import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { bootstrap } from './bootstrap.ts';
import type { Config } from './config.ts';
import { createGatehouse, type Gatehouse, type GatehouseOverrides } from './gatehouse.ts';
import { createLogger } from './logger.ts';

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
  const gatehouse = await createGatehouse(config, logger, overrides);
  await bootstrap(gatehouse);
  gatehouse.keyRing.start();
  const app = await buildApp(gatehouse);
  const sweeper = setInterval(() => {
    gatehouse.sessions
      .sweepExpired()
      .catch((error: unknown) => logger.warn({ err: error }, 'session sweep failed'));
    gatehouse.tokens
      .sweepExpired()
      .catch((error: unknown) => logger.warn({ err: error }, 'token sweep failed'));
    gatehouse.oauth.sweep().catch((error: unknown) => logger.warn({ err: error }, 'oauth sweep failed'));
  }, 60_000);
  sweeper.unref();
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
      clearInterval(sweeper);
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
