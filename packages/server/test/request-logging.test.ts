import { Writable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyRequestLogger } from '../src/http/request-logger.ts';
import { createLogger } from '../src/logger.ts';
import { createHarness, type Harness } from './harness.ts';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, logger: createLogger(level, sink) };
}

/** Fastify's call: `this` is the server, which the factory does not use. */
const requestLogger = (logger: FastifyBaseLogger, bindings: Record<string, unknown>) =>
  lazyRequestLogger.call(
    undefined as never,
    logger as never,
    bindings,
    {},
    undefined as never,
  ) as FastifyBaseLogger;

describe('the lazy request logger', () => {
  it('writes exactly the lines of a pino child with the same bindings', () => {
    const lazy = capture('info');
    const eager = capture('info');
    const write = (log: FastifyBaseLogger) => {
      log.debug({ hidden: true }, 'below the level');
      log.info({ code: 'FST_ERR' }, 'request refused');
      log.error({ err: new Error('boom'), token: 'secret-value' }, 'unhandled error');
      log.child({ part: 'inner' }).warn('from a grandchild');
    };
    write(requestLogger(lazy.logger as FastifyBaseLogger, { reqId: 'r-1' }));
    write(eager.logger.child({ reqId: 'r-1' }));
    const withoutTime = (lines: Record<string, unknown>[]) =>
      lines.map(({ time: _time, err, ...line }) => ({
        ...line,
        err: (err as { message?: string })?.message,
      }));
    expect(withoutTime(lazy.lines)).toEqual(withoutTime(eager.lines));
    expect(lazy.lines.map((l) => l.msg)).toEqual(['request refused', 'unhandled error', 'from a grandchild']);
    expect(lazy.lines[1]?.token).toBe('[redacted]');
    expect(lazy.lines[2]).toMatchObject({ reqId: 'r-1', part: 'inner' });
  });

  it('follows the level of its parent and takes a level of its own', () => {
    const { lines, logger } = capture('warn');
    const log = requestLogger(logger as FastifyBaseLogger, { reqId: 'r-2' });
    expect(log.level).toBe('warn');
    log.info('not written');
    log.level = 'debug';
    expect(log.level).toBe('debug');
    log.debug('now written');
    expect(logger.level).toBe('warn');
    expect(lines).toMatchObject([{ msg: 'now written', reqId: 'r-2' }]);
  });
});

describe('request lines of the Fastify routes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => h.close());

  it('name the request id, method, path without its query, status and time', async () => {
    const response = await h.app.inject({
      method: 'GET',
      url: '/healthz?token=never-logged',
      headers: { 'x-request-id': 'line-check-1' },
    });
    expect(response.statusCode).toBe(200);
    const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = lines.find((l) => l.reqId === 'line-check-1' && l.msg === 'request');
    expect(line).toMatchObject({ service: 'gatehouse', method: 'GET', path: '/healthz', status: 200 });
    expect(typeof line?.ms).toBe('number');
    expect(Object.keys(line ?? {}).slice(0, 5)).toEqual(['level', 'time', 'service', 'reqId', 'method']);
    expect(h.logs.join('\n')).not.toContain('never-logged');
  });

  it('the lines a handler writes still carry the request id', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/json', 'x-request-id': 'line-check-2' },
      payload: '{"email":',
    });
    expect(response.statusCode).toBe(400);
    const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.reqId === 'line-check-2' && l.msg === 'request refused')).toBeDefined();
    expect(lines.find((l) => l.reqId === 'line-check-2' && l.msg === 'request')).toMatchObject({
      status: 400,
    });
  });
});
