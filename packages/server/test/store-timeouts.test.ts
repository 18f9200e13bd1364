import { randomBytes } from 'node:crypto';
import { createSqlStorage } from '@gatehouse/store-sql';
import { postgresUrlOrSkip } from '@gatehouse/testkit';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isStoreFailure } from '../src/stores/store-failure.ts';
import { StoreUnreachableError, storeAddress } from '../src/stores/store-unreachable.ts';

/** Issue 16 #2: what counts as "a store did not answer", and the PostgreSQL deadlines. */
describe('the store-failure classifier', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it.each([
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a reset connection', withCode('ECONNRESET')],
    ['PostgreSQL shutting down', withCode('57P01', 'terminating connection due to administrator command')],
    ['a statement timeout', withCode('57014', 'canceling statement due to statement timeout')],
    ['a connection exception', withCode('08006')],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly')],
    ['pg-pool: no connection in time', new Error('timeout exceeded when trying to connect')],
    ['ioredis: command timeout', new Error('Command timed out')],
    ['ioredis: not connected', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ['a wrapped cause', new Error('Database migration failed', { cause: withCode('ECONNREFUSED') })],
  ])('%s is a store failure (503)', (_name, error) => {
    expect(isStoreFailure(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505', 'duplicate key value violates unique constraint')],
    ['a syntax error', withCode('42601')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'ECONNREFUSED'],
  ])('%s is not (stays a 500 or its own answer)', (_name, error) => {
    expect(isStoreFailure(error)).toBe(false);
  });

  it('a store address never carries credentials', () => {
    expect(storeAddress('postgres://gatehouse:hunter2@db.internal:6432/gh?sslmode=require')).toBe(
      'db.internal:6432/gh',
    );
    expect(storeAddress('rediss://:hunter2@cache:6380/2')).toBe('cache:6380/2');
    const error = new StoreUnreachableError(
      'database',
      storeAddress('postgres://u:hunter2@db/gh'),
      new Error('x'),
    );
    expect(error.message).not.toContain('hunter2');
  });
});

const postgresUrl = await postgresUrlOrSkip();

describe.skipIf(postgresUrl === undefined)('PostgreSQL deadlines', () => {
  it('a statement over GATEHOUSE_PG_STATEMENT_TIMEOUT_MS is cancelled (a store failure), and migrating with one set still works', async () => {
    const schema = `gh_timeout_${randomBytes(4).toString('hex')}`;
    // Migrations run on a connection of their own without the deadline (a single long statement,
    // such as an index on a big table, must not fail a start); here: migrating with one set works.
    const storage = await createSqlStorage({ url: postgresUrl!, schema, statementTimeoutMs: 300 });
    try {
      expect((await storage.migrate()).length).toBeGreaterThan(0);
      const started = performance.now();
      const error = await sql`select pg_sleep(5)`.execute(storage.db).then(
        () => undefined,
        (e: unknown) => e,
      );
      const ms = performance.now() - started;
      expect((error as { code?: string }).code).toBe('57014');
      expect(isStoreFailure(error)).toBe(true);
      // 300 ms asked; a generous bound for a loaded machine.
      expect(ms).toBeLessThan(2500);
      // The pool is still usable afterwards.
      expect((await sql<{ one: number }>`select 1 as one`.execute(storage.db)).rows[0]?.one).toBe(1);
    } finally {
      await storage.close();
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
  });
});
