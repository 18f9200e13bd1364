import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Keeps better-sqlite3 statements compiled between queries. Kysely prepares every query afresh,
 * and compiling a statement (parsing, planning against the table's indexes) costs more than running
 * a point lookup; the repositories run a small, fixed set of statements, so the most recent
 * `capacity` are kept (least recently used first out). A statement is reused only when idle: one
 * still being iterated is busy, and that query gets a fresh one.
 */
export function withStatementCache(sqlite: SqliteDatabase.Database, capacity = 256): KyselySqliteDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached !== undefined && !cached.busy) {
        // Re-insert: the Map's order is the recency order.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = sqlite.prepare(sql);
      if (cached === undefined) {
        statements.set(sql, statement);
        if (statements.size > capacity) statements.delete(statements.keys().next().value as string);
      }
      return statement;
    },
    close() {
      statements.clear();
      sqlite.close();
    },
  };
}
