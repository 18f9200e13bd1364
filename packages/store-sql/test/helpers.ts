import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomId } from '@gatehouse/core';
import {
  describeApiKeyStoresConformance,
  describeStorageConformance,
  postgresUrlOrSkip,
} from '@gatehouse/testkit';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createSqlStorage, SqlApiKeyStore, SqlServiceAccountStore, type SqlStorage } from '../src/index.ts';

/** Runs every conformance suite against one migrated storage, emptied after each test. */
export function describeSqlConformance(name: string, storage: () => SqlStorage): void {
  describeStorageConformance(name, async () => ({
    storage: storage(),
    cleanup: () => emptyTables(storage()),
  }));
  describeApiKeyStoresConformance(name, async () => ({
    store: {
      users: storage().users,
      apiKeys: new SqlApiKeyStore(storage().db),
      serviceAccounts: new SqlServiceAccountStore(storage().db),
    },
    cleanup: () => emptyTables(storage()),
  }));
}

export async function emptyTables(storage: SqlStorage): Promise<void> {
  if (storage.dialect === 'postgres') {
    await sql`truncate users, user_profiles, credentials, sessions, roles, user_roles, audit_events, counters, refresh_tokens, revocations, api_keys, service_accounts, policy_documents, oauth_artifacts, oauth_clients`.execute(
      storage.db,
    );
    return;
  }
  // Children first, so foreign keys never block the delete.
  for (const table of [
    'refresh_tokens',
    'oauth_artifacts',
    'oauth_clients',
    'revocations',
    'api_keys',
    'service_accounts',
    'policy_documents',
    'user_roles',
    'sessions',
    'credentials',
    'audit_events',
    'counters',
    'roles',
    'users',
  ] as const) {
    await storage.db.deleteFrom(table).execute();
  }
}

/**
 * Registers `suite` on a migrated SQLite file and, when PostgreSQL answers, on a migrated storage
 * in a schema of its own (dropped afterwards). With `migration`, each run checks it was applied.
 */
export async function describeOnBothDialects(
  prefix: string,
  suite: (name: 'sqlite' | 'postgres', storage: () => SqlStorage, schema?: string) => void,
  migration?: string,
): Promise<void> {
  describe('sqlite', () => {
    const dir = mkdtempSync(join(tmpdir(), `gatehouse-${prefix}-`));
    let storage: SqlStorage;
    beforeAll(async () => {
      storage = await createSqlStorage({ url: `sqlite:${join(dir, `${prefix}.db`)}` });
      const applied = await storage.migrate();
      if (migration !== undefined) expect(applied).toContain(migration);
    });
    afterAll(async () => {
      await storage?.close();
      rmSync(dir, { recursive: true, force: true });
    });
    suite('sqlite', () => storage);
  });

  const url = await postgresUrlOrSkip();
  describe.skipIf(url === undefined)('postgres', () => {
    const schema = `gh_test_${prefix.replaceAll('-', '_')}_${randomId(6)}`;
    let storage: SqlStorage;
    beforeAll(async () => {
      storage = await createSqlStorage({ url: url ?? '', schema });
      const applied = await storage.migrate();
      if (migration !== undefined) expect(applied).toContain(migration);
    });
    afterAll(async () => {
      await storage?.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    });
    suite('postgres', () => storage, schema);
  });
}
