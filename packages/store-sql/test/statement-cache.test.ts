import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from '../src/statement-cache.ts';

function database() {
  const sqlite = new SqliteDatabase(':memory:');
  sqlite.exec('create table t (id integer primary key, name text not null)');
  sqlite.exec("insert into t (name) values ('a'), ('b'), ('c')");
  return sqlite;
}

describe('statement cache', () => {
  it('hands back the same compiled statement for the same SQL, with fresh parameters each time', () => {
    const cache = withStatementCache(database());
    const first = cache.prepare('select name from t where id = ?');
    expect(cache.prepare('select name from t where id = ?')).toBe(first);
    expect(first.all([1])).toEqual([{ name: 'a' }]);
    expect(cache.prepare('select name from t where id = ?').all([3])).toEqual([{ name: 'c' }]);
  });

  it('gives a fresh statement while the cached one is still being iterated', () => {
    const cache = withStatementCache(database());
    const query = 'select name from t order by id';
    const cached = cache.prepare(query);
    const rows = cached.iterate([]);
    expect(rows.next().value).toEqual({ name: 'a' });
    const meanwhile = cache.prepare(query);
    expect(meanwhile).not.toBe(cached);
    expect(meanwhile.all([])).toHaveLength(3);
    expect([...rows]).toEqual([{ name: 'b' }, { name: 'c' }]);
    // Once idle, the cached statement is the one handed out again.
    expect(cache.prepare(query)).toBe(cached);
  });

  it('keeps the most recently used statements up to its capacity', () => {
    const cache = withStatementCache(database(), 2);
    const one = cache.prepare('select 1');
    const two = cache.prepare('select 2');
    expect(cache.prepare('select 1')).toBe(one); // now the most recent
    cache.prepare('select 3'); // evicts `select 2`, the least recently used
    expect(cache.prepare('select 1')).toBe(one);
    expect(cache.prepare('select 2')).not.toBe(two);
  });

  it('reuses a statement that failed', () => {
    const cache = withStatementCache(database());
    const insert = 'insert into t (id, name) values (?, ?)';
    expect(() => cache.prepare(insert).run([1, 'again'])).toThrow(/UNIQUE/);
    expect(cache.prepare(insert).run([4, 'd']).changes).toBe(1);
    expect(cache.prepare('select name from t where id = ?').all([4])).toEqual([{ name: 'd' }]);
  });

  it('serves Kysely: queries, writes and transactions, and a schema change in between', async () => {
    const sqlite = database();
    const db = new Kysely<{ t: { id: number; name: string; note?: string | null } }>({
      dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
    });
    const byId = (id: number) => db.selectFrom('t').select('name').where('id', '=', id).executeTakeFirst();
    expect(await byId(2)).toEqual({ name: 'b' });
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('t').set({ name: 'B' }).where('id', '=', 2).execute();
    });
    expect(await byId(2)).toEqual({ name: 'B' });
    const everything = () => db.selectFrom('t').selectAll().where('id', '=', 2).executeTakeFirst();
    expect(await everything()).toEqual({ id: 2, name: 'B' });
    await sql`alter table t add column note text`.execute(db);
    // The cached `select *` sees the new column.
    expect(await everything()).toEqual({ id: 2, name: 'B', note: null });
    await db.destroy();
    expect(sqlite.open).toBe(false);
  });
});
