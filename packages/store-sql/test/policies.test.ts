import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomId, VERSION_CONFLICT } from '@gatehouse/core';
import { postgresUrlOrSkip } from '@gatehouse/testkit';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSqlStorage, SqlPolicyDocumentRepository, type SqlStorage } from '../src/index.ts';

/** API-managed policy documents on both dialects: versions and conditional writes. */
function describePolicyDocuments(name: string, storage: () => SqlStorage): void {
  describe(`${name}: policy documents`, () => {
    let repo: SqlPolicyDocumentRepository;
    beforeEach(async () => {
      repo = new SqlPolicyDocumentRepository(storage().db);
      await storage().db.deleteFrom('policy_documents').execute();
    });
    const doc = (source: string, at = 1) => ({ name: 'reports', source, updatedAt: at, updatedBy: 'u1' });

    it('creates at version 1 and increments on every replacement', async () => {
      expect(await repo.put(doc('a'))).toMatchObject({
        name: 'reports',
        source: 'a',
        version: 1,
        updatedBy: 'u1',
      });
      expect(await repo.put(doc('b', 2))).toMatchObject({ source: 'b', version: 2, updatedAt: 2 });
      expect(await repo.get('reports')).toMatchObject({ source: 'b', version: 2 });
      expect((await repo.list()).map((d) => d.name)).toEqual(['reports']);
    });

    it('conditional writes: create-only, matching version, stale version', async () => {
      expect(await repo.put(doc('a'), 0)).toMatchObject({ version: 1 });
      expect(await repo.put(doc('x'), 0)).toBe(VERSION_CONFLICT);
      expect(await repo.put(doc('b'), 1)).toMatchObject({ source: 'b', version: 2 });
      expect(await repo.put(doc('c'), 1)).toBe(VERSION_CONFLICT);
      expect(await repo.get('reports')).toMatchObject({ source: 'b', version: 2 });
      expect(await repo.put({ ...doc('z'), name: 'missing' }, 3)).toBe(VERSION_CONFLICT);
    });

    it('deletes, conditionally too', async () => {
      await repo.put(doc('a'));
      expect(await repo.delete('reports', 5)).toBe(VERSION_CONFLICT);
      expect(await repo.delete('reports', 1)).toMatchObject({ source: 'a', version: 1 });
      expect(await repo.delete('reports')).toBeUndefined();
      expect(await repo.get('reports')).toBeUndefined();
    });
  });
}

describe('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-policies-'));
  let storage: SqlStorage;
  beforeAll(async () => {
    storage = await createSqlStorage({ url: `sqlite:${join(dir, 'policies.db')}` });
    await storage.migrate();
  });
  afterAll(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  describePolicyDocuments('sqlite', () => storage);
});

const url = await postgresUrlOrSkip();
describe.skipIf(url === undefined)('postgres', () => {
  const schema = `gh_test_policies_${randomId(6)}`;
  let storage: SqlStorage;
  beforeAll(async () => {
    storage = await createSqlStorage({ url: url ?? '', schema });
    await storage.migrate();
  });
  afterAll(async () => {
    await storage?.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });
  describePolicyDocuments('postgres', () => storage);
});
