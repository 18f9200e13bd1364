import type { NewRevocation, RevocationStore } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { HOUR, type MakeFixture, useFixture } from './fixtures.ts';

/** A fixed `now`: the store compares the times it is given, never its own clock. */
const T0 = 1_800_000_000_000;

const entry = (value: string, expiresAt = T0 + HOUR): NewRevocation => ({
  type: 'jti',
  value,
  at: T0,
  expiresAt,
});

/**
 * The sequenced revocation log every node catches up from: sequence numbers strictly increase and
 * are never handed out twice (not even under concurrent appends, nor after expired entries were
 * deleted), so a reader that remembers the last `seq` it applied misses nothing with `after(seq)`.
 */
export function describeRevocationStoreConformance(name: string, make: MakeFixture<RevocationStore>): void {
  describe(`${name}: RevocationStore conformance`, () => {
    const fixture = useFixture(make);

    it('appends atomically, numbering the entries in order, strictly increasing across appends', async () => {
      const { store } = fixture();
      expect(await store.append([])).toEqual([]);
      const first = await store.append([entry('a'), entry('b'), { ...entry('c'), type: 'sid' }]);
      expect(first.map(({ seq: _, ...rest }) => rest)).toEqual([
        entry('a'),
        entry('b'),
        { ...entry('c'), type: 'sid' },
      ]);
      const second = await store.append([entry('d')]);
      const seqs = [...first, ...second].map((e) => e.seq);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
      expect(seqs.every(Number.isSafeInteger)).toBe(true);
    });

    it('catches up with since(seq): only later entries, ascending, in pages of `limit`', async () => {
      const { store } = fixture();
      const [start] = await store.append([entry('start')]);
      const appended = await store.append(Array.from({ length: 7 }, (_, i) => entry(`e${i}`)));
      expect(await store.after(appended.at(-1)!.seq, T0, 100)).toEqual([]);
      const read = [];
      let seq = start!.seq;
      for (let page = await store.after(seq, T0, 3); page.length > 0; page = await store.after(seq, T0, 3)) {
        expect(page.length).toBeLessThanOrEqual(3);
        read.push(...page);
        seq = page.at(-1)!.seq;
      }
      expect(read).toEqual(appended);
    });

    it('concurrent appends get distinct numbers, and a reader sees each entry once, in order', async () => {
      const { store } = fixture();
      const [start] = await store.append([entry('start')]);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.append([entry(`x${i}`), entry(`y${i}`)])),
      );
      const seqs = results.flat().map((e) => e.seq);
      expect(new Set(seqs).size).toBe(40);
      for (const pair of results) expect(pair[1]!.seq).toBeGreaterThan(pair[0]!.seq);
      const read = await store.after(start!.seq, T0, 100);
      expect(read.map((e) => e.seq)).toEqual([...seqs].sort((a, b) => a - b));
    });

    it('hides expired entries, deletes them, and never hands their numbers out again', async () => {
      const { store } = fixture();
      const [start] = await store.append([entry('start')]);
      const [gone, kept] = await store.append([entry('gone', T0 + 10), entry('kept')]);
      expect(await store.after(start!.seq, T0 + 10, 100)).toEqual([kept]);
      expect(await store.deleteExpired(T0 + 10)).toBe(1);
      expect(await store.deleteExpired(T0 + 10)).toBe(0);
      expect(await store.after(start!.seq, T0, 100)).toEqual([kept]);
      // Remove the newest too: a log that reused the highest free number would hand it out again.
      expect(await store.deleteExpired(T0 + 2 * HOUR)).toBe(2);
      const [next] = await store.append([entry('next')]);
      expect(next!.seq).toBeGreaterThan(kept!.seq);
      expect(next!.seq).toBeGreaterThan(gone!.seq);
    });
  });
}
