import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresUrlOrSkip } from '@gatehouse/testkit';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { runCli } from './cli-runner.ts';
import { freePort } from './processes.ts';

/** Issue 16 #3: configuration that cannot silently split a cluster. */
const postgresUrl = await postgresUrlOrSkip();

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return '';
}

describe('store URLs', () => {
  it.each([
    'mysql://root:hunter2@db/gatehouse',
    'postgress://gatehouse:hunter2@db/gatehouse',
    './gatehouse.db',
    ':memory:',
  ])('DATABASE_URL=%s is refused by name, never a local SQLite file, and no password is echoed', (url) => {
    const message = problemsOf({ DATABASE_URL: url });
    expect(message).toContain('DATABASE_URL must start with sqlite: or postgres://');
    expect(message).not.toContain('hunter2');
  });

  it.each(['sqlite:/tmp/x.db', 'postgres://db/gh', 'postgresql://db/gh', 'POSTGRES://db/gh'])(
    'DATABASE_URL=%s is accepted',
    (url) => {
      expect(problemsOf({ DATABASE_URL: url })).toBe('');
    },
  );

  it('Redis Sentinel and Cluster URLs are refused clearly; other schemes name REDIS_URL', () => {
    expect(problemsOf({ REDIS_URL: 'redis-sentinel://s1:26379/mymaster' })).toContain(
      'Redis Sentinel and Cluster are not supported',
    );
    expect(problemsOf({ REDIS_URL: 'http://cache:6379' })).toContain('REDIS_URL must start with redis://');
    expect(problemsOf({ REDIS_URL: 'rediss://cache:6380' })).toBe('');
  });

  it('pool size and timeouts are configurable and validated', () => {
    const config = loadConfig({
      GATEHOUSE_PG_POOL_MAX: '25',
      GATEHOUSE_PG_STATEMENT_TIMEOUT_MS: '0',
      GATEHOUSE_PG_CONNECT_TIMEOUT_MS: '1500',
      GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS: '250',
      GATEHOUSE_HOUSEKEEPING_INTERVAL: '30',
    });
    expect(config).toMatchObject({
      pgPoolMax: 25,
      pgStatementTimeoutMs: 0,
      pgConnectTimeoutMs: 1500,
      redisCommandTimeoutMs: 250,
      housekeepingIntervalSeconds: 30,
    });
    expect(problemsOf({ GATEHOUSE_PG_POOL_MAX: '1' })).toContain('GATEHOUSE_PG_POOL_MAX');
    expect(problemsOf({ GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS: '0' })).toContain(
      'GATEHOUSE_REDIS_COMMAND_TIMEOUT_MS',
    );
  });
});

describe('the CLI at start', () => {
  const dataDir = () => mkdtempSync(join(tmpdir(), 'gatehouse-store-config-'));

  it('a bad DATABASE_URL exits 2 naming the variable', async () => {
    const result = await runCli(dataDir(), ['migrate'], undefined, {
      env: { DATABASE_URL: 'mysql://db/gh' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('DATABASE_URL');
  }, 30_000);

  it('an unreachable PostgreSQL exits 5 naming its address, not its password', async () => {
    const port = await freePort();
    const result = await runCli(dataDir(), ['migrate'], undefined, {
      env: {
        DATABASE_URL: `postgres://gatehouse:hunter2@127.0.0.1:${port}/gh`,
      },
    });
    expect(result.code, result.stderr).toBe(5);
    expect(result.stderr).toContain(`Cannot reach the database at 127.0.0.1:${port}/gh`);
    expect(result.stderr).not.toContain('hunter2');
  }, 30_000);

  it('an unreachable Redis exits 5 naming its address', async () => {
    const port = await freePort();
    const result = await runCli(dataDir(), ['migrate'], undefined, {
      env: {
        REDIS_URL: `redis://:hunter2@127.0.0.1:${port}`,
      },
    });
    expect(result.code, result.stderr).toBe(5);
    expect(result.stderr).toContain(`Cannot reach Redis at 127.0.0.1:${port}`);
    expect(result.stderr).not.toContain('hunter2');
  }, 30_000);

  it('start with an unreachable Redis logs one JSON fatal line with the address and exits 5', async () => {
    const port = await freePort();
    const result = await runCli(dataDir(), ['start'], undefined, {
      env: {
        REDIS_URL: `redis://:hunter2@127.0.0.1:${port}`,
        LOG_LEVEL: 'info',
        PORT: '0',
      },
    });
    expect(result.code, result.stderr).toBe(5);
    const fatal = result.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ store: 'redis', address: `127.0.0.1:${port}` });
    expect(result.stdout + result.stderr).not.toContain('hunter2');
  }, 30_000);

  it.skipIf(postgresUrl === undefined)(
    'a PostgreSQL database that does not exist exits 5 naming it',
    async () => {
      const url = new URL(postgresUrl!);
      url.pathname = '/gh_no_such_database';
      const result = await runCli(dataDir(), ['migrate'], undefined, {
        env: { DATABASE_URL: url.toString() },
      });
      expect(result.code, result.stderr).toBe(5);
      expect(result.stderr).toContain(
        `Cannot reach the database at ${url.hostname}:${url.port}/gh_no_such_database`,
      );
    },
    30_000,
  );
});
