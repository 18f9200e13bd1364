/**
 * Bench-only entry: the peers of `GET /account`, each a bare Fastify 5 server in its own process
 * (forked by bench/support.ts). BENCH_SERVER_OPTIONS (JSON):
 *   { mode: 'static', body }           GET /account and POST /access/v1/evaluation return `body`
 *   { mode: 'map', body, tokens }      GET /account parses the cookie, looks sha256(token) up in an
 *                                      in-memory Map and returns `body` for that user, else 401
 * No logging, no plugins beyond @fastify/cookie (map mode). IPC commands: memory, stop.
 */
import { createHash } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import Fastify from 'fastify';

interface Options {
  mode: 'static' | 'map';
  body: Record<string, unknown>;
  tokens?: string[];
}

interface Command {
  id: number;
  cmd: string;
}

if (process.send === undefined || process.env.BENCH_SERVER_OPTIONS === undefined) {
  throw new Error('bench/server-fastify.ts is started by the benchmarks (bench/support.ts startChild)');
}
{
  const options = JSON.parse(process.env.BENCH_SERVER_OPTIONS) as Options;
  const app = Fastify({ logger: false });
  const COOKIE = '__Host-gatehouse_session';

  if (options.mode === 'static') {
    app.get('/account', async () => options.body);
    // The peer of AuthZEN evaluation: parse the JSON request, answer a fixed decision.
    app.post('/access/v1/evaluation', async () => options.body);
  } else {
    await app.register(fastifyCookie);
    const sessions = new Map<string, { userId: string; expiresAt: number }>();
    const sub = String(options.body.sub ?? 'user');
    for (const token of options.tokens ?? []) {
      sessions.set(createHash('sha256').update(token).digest('hex'), {
        userId: sub,
        expiresAt: Date.now() + 3600_000,
      });
    }
    app.get('/account', async (request, reply) => {
      const token = request.cookies[COOKIE];
      const session =
        token === undefined ? undefined : sessions.get(createHash('sha256').update(token).digest('hex'));
      if (session === undefined || session.expiresAt <= Date.now())
        return reply.code(401).send({ status: 401 });
      reply.header('cache-control', 'no-store');
      return { ...options.body, sub: session.userId };
    });
  }

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  process.on('message', (message: Command) => {
    if (message.cmd === 'stop') {
      void app.close().then(() => process.exit(0));
      return;
    }
    if (message.cmd === 'memory') {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ id: message.id, ok: true, result: process.memoryUsage() });
      return;
    }
    process.send?.({ id: message.id, ok: false, error: `unknown command ${message.cmd}` });
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', url: `http://127.0.0.1:${port}` });
}
