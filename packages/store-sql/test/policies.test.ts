import { VERSION_CONFLICT } from '@gatehouse/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqlPolicyDocumentRepository, type SqlStorage } from '../src/index.ts';
import { describeOnBothDialects } from './helpers.ts';

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

await describeOnBothDialects('policies', describePolicyDocuments);
