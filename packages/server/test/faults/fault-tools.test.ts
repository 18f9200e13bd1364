import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivatePostgres } from './private-postgres.ts';
import { PrivateRedis } from './private-redis.ts';
import { TcpProxy } from './tcp-proxy.ts';

/** The fault suite's own tools work: a private Redis and PostgreSQL behind a proxy that can cut. */
let redis: PrivateRedis;
let postgres: PrivatePostgres;

beforeAll(async () => {
  [redis, postgres] = await Promise.all([PrivateRedis.start(), PrivatePostgres.start()]);
}, 60_000);
afterAll(async () => {
  await redis?.stop();
  await postgres?.destroy();
});

describe('fault tools', () => {
  it('a proxy passes, cuts and heals Redis traffic', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: redis.port });
    const client = new Redis({
      port: proxy.port,
      host: '127.0.0.1',
      maxRetriesPerRequest: 0,
      retryStrategy: () => 50,
    });
    client.on('error', () => {});
    expect(await client.ping()).toBe('PONG');
    proxy.cut();
    await expect(client.ping()).rejects.toThrow();
    proxy.heal();
    await expect.poll(() => client.ping().catch(() => 'down'), { timeout: 10_000 }).toBe('PONG');
    client.disconnect();
    await proxy.close();
  });

  it('PostgreSQL keeps committed rows across a kill -9 and a restart', async () => {
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    await client.query('create table kept (n int)');
    await client.query('insert into kept values (1)');
    await client.end();
    await postgres.kill();
    await postgres.restart();
    const again = new pg.Client({ connectionString: postgres.url });
    await again.connect();
    expect((await again.query('select n from kept')).rows).toEqual([{ n: 1 }]);
    await again.end();
  });
});
