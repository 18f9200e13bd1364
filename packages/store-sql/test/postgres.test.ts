import { randomId } from '@gatehouse/core';
import { postgresUrlOrSkip } from '@gatehouse/testkit';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlStorage, type SqlStorage } from '../src/index.ts';
import { ALL_MIGRATIONS, describeSqlConformance, dropSchema } from './helpers.ts';

const url = await postgresUrlOrSkip();
const schema = `gh_test_${randomId(6)}`;
let storage: SqlStorage;

describe.skipIf(url === undefined)('postgres', () => {
  beforeAll(async () => {
    storage = await createSqlStorage({ url: url ?? '', schema });
    expect(await storage.migrate()).toEqual(ALL_MIGRATIONS);
  });

  afterAll(async () => {
    await storage?.close();
    await dropSchema(url, schema);
  });

  describeSqlConformance('postgres', () => storage);

  describe('postgres storage', () => {
    it('keeps its tables in its own schema and answers ping', async () => {
      expect(storage.dialect).toBe('postgres');
      await expect(storage.ping()).resolves.toBeUndefined();
      const { rows } = await sql<{ table_schema: string }>`
        select table_schema from information_schema.tables where table_name = 'sessions' and table_schema = ${schema}
      `.execute(storage.db);
      expect(rows).toEqual([{ table_schema: schema }]);
    });

    it('reads bigint columns as numbers without changing the global pg parsers', async () => {
      const { rows } = await sql<{ n: unknown }>`select ${2 ** 50}::bigint as n`.execute(storage.db);
      expect(rows[0]?.n).toBe(2 ** 50);
      expect(pg.types.getTypeParser(20, 'text')('5')).toBe('5');
    });

    it('migrating again is a no-op', async () => {
      expect(await storage.migrate()).toEqual([]);
    });

    it('rejects schema names that are not plain identifiers', async () => {
      await expect(createSqlStorage({ url: url ?? '', schema: 'x"; drop table users; --' })).rejects.toThrow(
        /Invalid PostgreSQL schema name/,
      );
    });
  });
});
