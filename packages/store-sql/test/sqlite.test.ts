import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlStorage, type SqlStorage } from '../src/index.ts';
import { ALL_MIGRATIONS, describeSqlConformance } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-'));
const file = join(dir, 'nested', 'gatehouse.db');
let storage: SqlStorage;

beforeAll(async () => {
  storage = await createSqlStorage({ url: `sqlite:${file}` });
  await storage.migrate();
});

afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

describeSqlConformance('sqlite', () => storage);

describe('sqlite storage', () => {
  it('creates the database file owner-only (0600), WAL files included', () => {
    for (const path of [file, `${file}-wal`, `${file}-shm`]) {
      expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
    }
  });

  it('uses WAL, enforces foreign keys and answers ping', async () => {
    expect(storage.dialect).toBe('sqlite');
    await expect(storage.ping()).resolves.toBeUndefined();
    const pragma = async (name: string) => (await sql.raw(`pragma ${name}`).execute(storage.db)).rows[0];
    expect(await pragma('journal_mode')).toEqual({ journal_mode: 'wal' });
    expect(await pragma('foreign_keys')).toEqual({ foreign_keys: 1 });
    expect(await pragma('synchronous')).toEqual({ synchronous: 1 });
    expect(await pragma('busy_timeout')).toEqual({ timeout: 5000 });
  });

  it('migrating again is a no-op', async () => {
    expect(await storage.migrate()).toEqual([]);
  });

  it('applies the initial migration to a fresh database, accepting the url forms', async () => {
    for (const url of [
      ':memory:',
      'sqlite::memory:',
      join(dir, 'plain.db'),
      `sqlite://${join(dir, 'slashes.db')}`,
    ]) {
      const fresh = await createSqlStorage({ url });
      try {
        expect(await fresh.migrate()).toEqual(ALL_MIGRATIONS);
        expect(await fresh.migrate()).toEqual([]);
      } finally {
        await fresh.close();
      }
    }
  });
});
