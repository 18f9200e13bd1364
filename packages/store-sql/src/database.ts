import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, type PostgresPool, SqliteDialect, sql } from 'kysely';
import type { Database, SqlDialect } from './schema.ts';
import { withStatementCache } from './statement-cache.ts';

export interface OpenDatabaseOptions {
  /** `postgres://…` / `postgresql://…`, or SQLite: `sqlite:<path>`, a file path, or `:memory:`. */
  url: string;
  /** PostgreSQL only: the schema to use (created when missing) instead of the default search_path. */
  schema?: string;
  /** PostgreSQL only: the pool size. */
  maxConnections?: number;
  /**
   * PostgreSQL only: `statement_timeout` sent at connection start (0: none, e.g. behind PgBouncer,
   * where the role's own setting should carry it). A client-side deadline 1 s later also ends a
   * statement a stalled server never answers.
   */
  statementTimeoutMs?: number;
  /** PostgreSQL only: how long to wait for a connection, new or from the pool (default 2000 ms). */
  connectTimeoutMs?: number;
  /**
   * PostgreSQL only: asked before each connection is handed out; an error it returns is thrown at
   * once. A server known not to answer then fails requests fast instead of each waiting out its
   * deadline.
   */
  failFast?: () => Error | undefined;
}

export interface SqlDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialect;
  readonly schema: string | undefined;
  close(): Promise<void>;
}

const INT8_OID = 20;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openDatabase(options: OpenDatabaseOptions): Promise<SqlDatabase> {
  return /^postgres(ql)?:\/\//i.test(options.url)
    ? openPostgres(options)
    : openSqlite(sqlitePath(options.url));
}

function sqlitePath(url: string): string {
  const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length).replace(/^\/\//, '') : url;
  if (path === '') throw new Error('SQLite database path is empty');
  return path;
}

function openSqlite(path: string): SqlDatabase {
  if (path !== ':memory:') {
    const file = resolve(path);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Create the file owner-only before SQLite opens it: SQLite gives the -wal and -shm files the
    // database file's mode, and password hashes and session hashes must not be world-readable.
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  }
  const sqlite = new SqliteDatabase(path);
  if (path !== ':memory:') chmodSync(resolve(path), 0o600);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, dialect: 'sqlite', schema: undefined, close: () => db.destroy() };
}

type PostgresDriver = typeof import('pg').default;

async function openPostgres(options: OpenDatabaseOptions): Promise<SqlDatabase> {
  const { schema } = options;
  // The PostgreSQL driver is loaded only by deployments that use it (SQLite ones never pay for it).
  const { default: pg } = await import('pg');
  if (schema !== undefined && !SCHEMA_NAME.test(schema))
    throw new Error(`Invalid PostgreSQL schema name: ${schema}`);
  if (schema !== undefined) await createSchema(pg, options.url, schema);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
    // A peer that vanished without a FIN (a partition) is noticed by TCP keepalive.
    keepAlive: true,
    ...(options.statementTimeoutMs === undefined || options.statementTimeoutMs === 0
      ? {}
      : {
          statement_timeout: options.statementTimeoutMs,
          query_timeout: options.statementTimeoutMs + 1000,
        }),
    // Per-pool parser, so the process-wide pg defaults stay untouched: int8 columns (our ms
    // timestamps, COUNT) come back as numbers. They are far below 2^53.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID && format !== 'binary'
          ? (value: string) => Number.parseInt(value, 10)
          : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that
  // would crash the process. The pool drops the client and the next query reconnects.
  pool.on('error', () => {});
  // A client checked out of the pool has no 'error' listener (pg-pool removes its own), so a
  // server that dies between two statements of a transaction (kill -9, failover: "terminating
  // connection due to unexpected postmaster exit") would crash the process with an unhandled
  // 'error' event. The failure still reaches the caller: the client's next query rejects, and
  // the pool discards the client on release.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const { failFast } = options;
  const gated: PostgresPool =
    failFast === undefined
      ? pool
      : {
          connect: async () => {
            const refusal = failFast();
            if (refusal !== undefined) throw refusal;
            return pool.connect();
          },
          end: () => pool.end(),
        };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: gated }) });
  return { db, dialect: 'postgres', schema, close: () => db.destroy() };
}

async function createSchema(pg: PostgresDriver, url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`create schema if not exists "${schema}"`);
  } catch (error) {
    // Concurrent `create schema if not exists` can still collide on the catalog's unique index.
    if (!(error instanceof Error && 'code' in error && error.code === '23505')) throw error;
  } finally {
    await client.end();
  }
}

/** Throws when the database does not answer. */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}

/**
 * One round trip on a connection of its own (not the pool's): a full pool is load, not an outage,
 * and must not read as the server being down. Throws when it does not answer within `timeoutMs`.
 */
export async function probePostgres(url: string, timeoutMs: number): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => {});
  }
}
