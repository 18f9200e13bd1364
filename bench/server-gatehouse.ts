/**
 * Bench-only entry: a real Gatehouse server in its own process (forked by bench/support.ts), on a
 * fresh SQLite file, listening on a free loopback port. Options come in BENCH_SERVER_OPTIONS (JSON:
 * config overrides, including adminEmail/adminPassword); commands arrive over IPC:
 *   seed   { count, users }  creates `users` password-less users (once) and `count` more sessions
 *                            spread over them, through SessionManager.start; returns the tokens
 *   memory                   GC, then process.memoryUsage()
 *   stop                     closes the server and exits
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UserRecord } from '@gatehouse/core';
import { loadConfig } from '../packages/server/src/config.ts';
import { startServer } from '../packages/server/src/server.ts';
import { serveCommands } from './child.ts';

interface Options {
  overrides?: Record<string, unknown>;
}

if (process.send === undefined || process.env.BENCH_SERVER_OPTIONS === undefined) {
  throw new Error('bench/server-gatehouse.ts is started by the benchmarks (bench/support.ts startChild)');
}
{
  const options = JSON.parse(process.env.BENCH_SERVER_OPTIONS) as Options;
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const server = await startServer(
    loadConfig(
      {},
      {
        dataDir,
        host: '127.0.0.1',
        port: 0,
        nodeEnv: 'development',
        // Request lines are logged at info; at warn the bench measures the server, not pino.
        logLevel: 'warn',
        secret: 'bench-only-secret-0123456789abcdef0123456789',
        ...options.overrides,
      },
    ),
  );
  const { gatehouse } = server;
  const users: UserRecord[] = [];
  let seeded = 0;

  async function seed(args: { count: number; users: number }): Promise<string[]> {
    if ((await gatehouse.storage.roles.get('reader')) === undefined) {
      await gatehouse.accounts.upsertRole({ name: 'reader', permissions: ['notes:read', 'profile:read'] });
    }
    while (users.length < args.users) {
      users.push(
        await gatehouse.accounts.createUser({ email: `user${users.length}@bench.test`, roles: ['reader'] }),
      );
    }
    const tokens: string[] = [];
    const batch = 1000;
    for (let done = 0; done < args.count; done += batch) {
      const size = Math.min(batch, args.count - done);
      const started = await Promise.all(
        Array.from({ length: size }, (_, i) =>
          gatehouse.sessions.start({
            userId: users[(seeded + done + i) % users.length]!.id,
            ip: '127.0.0.1',
            userAgent: 'gatehouse-bench-seed',
          }),
        ),
      );
      for (const s of started) tokens.push(s.token);
    }
    seeded += args.count;
    return tokens;
  }

  function memory() {
    (globalThis as { gc?: () => void }).gc?.();
    return process.memoryUsage();
  }

  const stop = async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };

  serveCommands(server.url, { seed: (args) => seed(args as { count: number; users: number }), memory }, stop);
}
