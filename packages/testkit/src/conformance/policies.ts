import { type PolicyDocumentRepository, VERSION_CONFLICT } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { type MakeFixture, useFixture } from './fixtures.ts';

const doc = (source: string, at = 1, name = 'reports') => ({ name, source, updatedAt: at, updatedBy: 'u1' });

/**
 * API-managed policy documents: versions start at 1 and grow by one per replacement, and a write
 * or delete given the version it read (HTTP If-Match) is a compare-and-set — of concurrent writers
 * from one version, exactly one wins.
 */
export function describePolicyDocumentRepositoryConformance(
  name: string,
  make: MakeFixture<PolicyDocumentRepository>,
): void {
  describe(`${name}: PolicyDocumentRepository conformance`, () => {
    const fixture = useFixture(make);

    it('creates at version 1 and increments on every replacement; lists by name', async () => {
      const repo = fixture().store;
      expect(await repo.list()).toEqual([]);
      expect(await repo.put(doc('a'))).toEqual({ ...doc('a'), version: 1 });
      expect(await repo.put(doc('b', 2))).toEqual({ ...doc('b', 2), version: 2 });
      expect(await repo.get('reports')).toEqual({ ...doc('b', 2), version: 2 });
      await repo.put({ ...doc('c'), name: 'billing', updatedBy: null });
      expect((await repo.list()).map((d) => [d.name, d.version, d.updatedBy])).toEqual([
        ['billing', 1, null],
        ['reports', 2, 'u1'],
      ]);
      expect(await repo.get('missing')).toBeUndefined();
    });

    it('conditional writes: create-only, matching version, stale version', async () => {
      const repo = fixture().store;
      expect(await repo.put(doc('a'), 0)).toMatchObject({ version: 1 });
      expect(await repo.put(doc('x'), 0)).toBe(VERSION_CONFLICT);
      expect(await repo.put(doc('b'), 1)).toMatchObject({ source: 'b', version: 2 });
      expect(await repo.put(doc('c'), 1)).toBe(VERSION_CONFLICT);
      expect(await repo.get('reports')).toMatchObject({ source: 'b', version: 2 });
      expect(await repo.put(doc('z', 1, 'missing'), 3)).toBe(VERSION_CONFLICT);
      expect(await repo.get('missing')).toBeUndefined();
    });

    it('deletes, conditionally too', async () => {
      const repo = fixture().store;
      await repo.put(doc('a'));
      expect(await repo.delete('reports', 5)).toBe(VERSION_CONFLICT);
      expect(await repo.delete('reports', 1)).toEqual({ ...doc('a'), version: 1 });
      expect(await repo.delete('reports')).toBeUndefined();
      expect(await repo.get('reports')).toBeUndefined();
    });

    it('of concurrent writes from one version, exactly one wins', async () => {
      const repo = fixture().store;
      await repo.put(doc('a'));
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => repo.put(doc(`w${i}`, 2), 1)));
      const won = results.filter((r) => r !== VERSION_CONFLICT);
      expect(won).toHaveLength(1);
      expect(await repo.get('reports')).toEqual(won[0]);
      const created = await Promise.all(
        Array.from({ length: 8 }, (_, i) => repo.put(doc(`n${i}`, 1, 'new'), 0)),
      );
      expect(created.filter((r) => r !== VERSION_CONFLICT)).toHaveLength(1);
    });
  });
}
