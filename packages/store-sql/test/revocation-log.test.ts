/**
 * The revocation log on PostgreSQL, where sequence numbers commit out of order: a reader that
 * followed the highest committed `seq` would step over an insert still in flight. The index's
 * watermark stays below such a gap until it fills (or settles), so the late entry is read.
 */
import { LocalInvalidationBus, ManualClock, RevocationIndex, randomId } from '@gatehouse/core';
import { postgresUrlOrSkip } from '@gatehouse/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlStorage, SqlRevocationStore, type SqlStorage } from '../src/index.ts';
import { dropSchema } from './helpers.ts';

const url = await postgresUrlOrSkip();
const schema = `gh_test_revlog_${randomId(6)}`;
let storage: SqlStorage;

describe.skipIf(url === undefined)('revocation log on PostgreSQL', () => {
  beforeAll(async () => {
    storage = await createSqlStorage({ url: url ?? '', schema });
    await storage.migrate();
  });
  afterAll(async () => {
    await storage?.close();
    await dropSchema(url, schema);
  });

  it('an insert that commits after a later one is still caught up (the watermark waits below it)', async () => {
    const clock = new ManualClock(Date.now());
    const store = new SqlRevocationStore(storage.db);
    const index = new RevocationIndex({
      store,
      bus: new LocalInvalidationBus(),
      clock,
      catchUpIntervalMs: 0,
      gapSettleMs: 5000,
    });
    await index.load();
    const now = clock.now();
    const entry = (value: string) => ({ type: 'jti' as const, value, at: now, expiresAt: now + 600_000 });
    // A second connection draws a sequence number and holds its transaction open.
    const slow = new pg.Client({ connectionString: url });
    await slow.connect();
    try {
      await slow.query(`set search_path to "${schema}"`);
      await slow.query('begin');
      const held = await slow.query<{ seq: string }>(
        `insert into revocations (type, value, at, expires_at) values ('jti', 'slow', $1, $2) returning seq`,
        [now, now + 600_000],
      );
      const [fast] = await store.append([entry('fast')]);
      expect(fast!.seq).toBeGreaterThan(Number(held.rows[0]!.seq));
      await index.catchUp();
      expect(index.isRevoked({ jti: 'fast' })).toBe(true);
      expect(index.watermark).toBeLessThan(Number(held.rows[0]!.seq));
      await slow.query('commit');
      clock.advance(100);
      await index.catchUp();
      expect(index.isRevoked({ jti: 'slow' })).toBe(true);
      expect(index.watermark).toBe(fast!.seq);
    } finally {
      await slow.end();
    }
  });

  it('a rolled-back insert leaves a gap the watermark passes once it has settled', async () => {
    const clock = new ManualClock(Date.now());
    const store = new SqlRevocationStore(storage.db);
    const index = new RevocationIndex({
      store,
      bus: new LocalInvalidationBus(),
      clock,
      catchUpIntervalMs: 0,
      gapSettleMs: 5000,
    });
    await index.load();
    const start = index.watermark;
    const now = clock.now();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`set search_path to "${schema}"`);
      await client.query('begin');
      await client.query(
        `insert into revocations (type, value, at, expires_at) values ('jti', 'never', $1, $2)`,
        [now, now + 600_000],
      );
      await client.query('rollback');
    } finally {
      await client.end();
    }
    const [after] = await store.append([{ type: 'jti', value: 'after', at: now, expiresAt: now + 600_000 }]);
    await index.catchUp();
    expect(index.isRevoked({ jti: 'after' })).toBe(true);
    expect(index.watermark).toBe(start);
    clock.advance(5000);
    await index.catchUp();
    expect(index.watermark).toBe(after!.seq);
  });
});
