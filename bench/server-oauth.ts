/**
 * Bench-only entry: a real Gatehouse server (fresh SQLite, loopback, free port) with its OAuth
 * provider, in its own process (forked by bench/support.ts). IPC commands:
 *   client  ClientInput   registers an OAuth client; returns { clientId, secret }
 *   stop                  closes the server and exits
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../packages/server/src/config.ts';
import type { ClientInput } from '../packages/server/src/oauth/client-registry.ts';
import { startServer } from '../packages/server/src/server.ts';

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
  process.on('message', (message: { id: number; cmd: string; args?: unknown }) => {
    const reply = (ok: boolean, result?: unknown, error?: string) =>
      process.send?.({ id: message.id, ok, result, ...(error === undefined ? {} : { error }) });
    const run = async () => {
      if (message.cmd === 'client') {
        const { client, secret } = await server.gatehouse.oauth.registry.create(message.args as ClientInput);
        return { clientId: client.clientId, secret };
      }
      if (message.cmd === 'stop') return stop();
      throw new Error(`unknown command ${message.cmd}`);
    };
    run().then(
      (result) => reply(true, result),
      (error: unknown) => reply(false, undefined, error instanceof Error ? error.message : String(error)),
    );
  });
  process.on('disconnect', () => {
    void stop();
  });
  process.send({ type: 'ready', url: server.url });
}
