import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomId } from '@gatehouse/core';
import { describeStorageConformance, postgresUrlOrSkip } from '@gatehouse/testkit';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createSqlStorage, type SqlStorage } from '../src/index.ts';

/** Every migration, in the order a fresh database applies them. */
export const ALL_MIGRATIONS = [
  '0001_initial',
  '0002_signing_keys',
  '0003_tokens',
  '0004_api_keys',
  '0005_policies',
  '0006_oauth',
  '0007_user_profiles',
  '0008_oauth_client_auth_method',
  '0009_email_skeleton',
  '0010_oauth_client_id_token_alg',
  '0011_rs256_signing_keys',
  '0012_oauth_client_previous_secret',
  '0013_oauth_refresh_tokens',
  '0014_mail_outbox',
  '0015_account_lifecycle',
  '0016_second_factors',
];

/** Drops a throwaway PostgreSQL schema and everything in it. */
export async function dropSchema(url: string | undefined, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
}

/** Runs every port's conformance suite against one migrated storage, emptied after each test. */
export function describeSqlConformance(name: string, storage: () => SqlStorage): void {
  describeStorageConformance(name, async () => ({
    storage: storage(),
    cleanup: () => emptyTables(storage()),
  }));
}

export async function emptyTables(storage: SqlStorage): Promise<void> {
  if (storage.dialect === 'postgres') {
    await sql`truncate users, account_tokens, user_profiles, credentials, sessions, roles, user_roles, audit_events, counters, refresh_tokens, revocations, api_keys, service_accounts, policy_documents, oauth_artifacts, oauth_clients, signing_keys, rs256_signing_keys, mail_outbox, second_factors, recovery_codes, login_transactions`.execute(
      storage.db,
    );
    return;
  }
  // Children first, so foreign keys never block the delete.
  for (const table of [
    'second_factors',
    'recovery_codes',
    'login_transactions',
    'account_tokens',
    'refresh_tokens',
    'oauth_artifacts',
    'oauth_clients',
    'revocations',
    'api_keys',
    'service_accounts',
    'policy_documents',
    'signing_keys',
    'rs256_signing_keys',
    'mail_outbox',
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
      await dropSchema(url, schema);
    });
    suite('postgres', () => storage, schema);
  });
}
