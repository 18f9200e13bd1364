/**
 * Bench-only entry: a real Gatehouse server (fresh SQLite, loopback, free port) with its OAuth
 * provider, in its own process (forked by bench/support.ts). IPC commands (bench/child.ts):
 *   client  ClientInput   registers an OAuth client; returns { clientId, secret }
 *   signingThread         where the engine signs ('thread-pool' or 'event-loop'), as it decided at start
 *   stop                  closes the server and exits
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../packages/server/src/config.ts';
import type { ClientInput } from '../packages/server/src/oauth/client-registry.ts';
import { startServer } from '../packages/server/src/server.ts';
import { serveCommands } from './child.ts';

if (process.send === undefined || process.env.BENCH_SERVER_OPTIONS === undefined) {
  throw new Error('bench/server-oauth.ts is started by the benchmarks (bench/support.ts startChild)');
}
{
  const options = JSON.parse(process.env.BENCH_SERVER_OPTIONS) as { overrides?: Record<string, unknown> };
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-oauth-'));
  // The issuer must be the URL clients use: pick the port first.
  const port = Number(options.overrides?.port);
  const server = await startServer(
    loadConfig(
      {},
      {
        dataDir,
        host: '127.0.0.1',
        nodeEnv: 'development',
        logLevel: 'warn',
        secret: 'bench-only-secret-0123456789abcdef0123456789',
        issuer: `http://127.0.0.1:${port}`,
        ...options.overrides,
      },
    ),
  );
  const stop = async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  serveCommands(
    server.url,
    {
      client: async (args) => {
        const { client, secret } = await server.gatehouse.oauth.registry.create(args as ClientInput);
        return { clientId: client.clientId, secret };
      },
      signingThread: () => server.gatehouse.oauth.signingThread,
    },
    stop,
  );
}
