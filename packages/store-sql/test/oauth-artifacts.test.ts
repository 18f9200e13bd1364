import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomId } from '@gatehouse/core';
import { describeOAuthArtifactStoreConformance, postgresUrlOrSkip } from '@gatehouse/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createSqlStorage, SqlOAuthArtifactStore, type SqlStorage } from '../src/index.ts';

function describeSqlArtifacts(name: string, storage: () => SqlStorage): void {
  describeOAuthArtifactStoreConformance(name, async () => ({
    store: new SqlOAuthArtifactStore(storage().db),
    cleanup: async () => {
      await storage().db.deleteFrom('oauth_artifacts').execute();
    },
  }));
}

describe('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-oauth-'));
  let storage: SqlStorage;

  beforeAll(async () => {
    storage = await createSqlStorage({ url: `sqlite:${join(dir, 'oauth.db')}` });
    expect(await storage.migrate()).toContain('0006_oauth');
  });

  afterAll(async () => {
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describeSqlArtifacts('sqlite', () => storage);
});

const url = await postgresUrlOrSkip();

describe.skipIf(url === undefined)('postgres', () => {
  const schema = `gh_test_oauth_${randomId(6)}`;
  let storage: SqlStorage;

  beforeAll(async () => {
    storage = await createSqlStorage({ url: url ?? '', schema });
    expect(await storage.migrate()).toContain('0006_oauth');
  });

  afterAll(async () => {
    await storage?.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  describeSqlArtifacts('postgres', () => storage);
});
