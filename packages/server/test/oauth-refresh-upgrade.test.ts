import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oauthRefreshIdHash } from '@gatehouse/core';
import { createSqlStorage, SqlOAuthArtifactStore } from '@gatehouse/store-sql';
import { postgresUrlOrSkip } from '@gatehouse/testkit';
import { type Kysely, sql } from 'kysely';
import * as oidc from 'openid-client';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { oauthRefreshTokensMigration } from '../../store-sql/src/migrations/0013_oauth_refresh_tokens.ts';
import { createHarness, createUser, strongPassword } from './harness.ts';
import { Browser, codeFlow, createClient, relyingParty } from './oauth-helpers.ts';
import { freePort } from './processes.ts';

const postgresUrl = await postgresUrlOrSkip();

/**
 * Issue 17 #3, migration 0013: an OAuth refresh token issued before the upgrade — stored then as
 * an engine artifact, under its own value — keeps working after it, from the one refresh-token
 * store, and its rotation and reuse detection carry on there.
 */
function describeUpgrade(name: string, database: () => { url: string; schema?: string }) {
  describe(`${name}: an OAuth refresh token survives the move to the one refresh-token store`, () => {
    it('written the old way, migrated by 0013, it refreshes; its successor too; a replay is refused', async () => {
      const { url, schema } = database();
      const port = await freePort();
      const shared = {
        databaseUrl: url,
        secret: randomBytes(32).toString('base64url'),
        issuer: `http://127.0.0.1:${port}`,
        port,
      };
      const options = schema === undefined ? {} : { databaseSchema: schema };
      // One issuer before and after, as for a server upgraded in place.
      const start = async () => {
        const h = await createHarness(shared, options);
        await h.app.listen({ port, host: '127.0.0.1' });
        return Object.assign(h, { issuer: shared.issuer });
      };

      // Before: a grant with an offline refresh token.
      const before = await start();
      const email = `user-${randomBytes(4).toString('hex')}@example.test`;
      const password = strongPassword();
      await createUser(before, email, password);
      const issued = await createClient(before);
      const { tokens } = await codeFlow(await relyingParty(before, issued), new Browser(before.issuer), {
        scope: 'openid offline_access',
        credentials: { email, password },
        extra: { prompt: 'consent' },
      });
      const refreshToken = tokens?.refresh_token ?? '';
      await before.close();

      // Back to the state before 0013: the token as the engine adapter stored it then.
      const storage = await createSqlStorage({ url, ...(schema === undefined ? {} : { schema }) });
      const moved = await storage.refreshTokens.find(oauthRefreshIdHash(refreshToken));
      expect(moved?.kind).toBe('oauth');
      const payload = { ...moved?.payload };
      await storage.refreshTokens.delete(oauthRefreshIdHash(refreshToken));
      await new SqlOAuthArtifactStore(storage.db).upsert({
        model: 'RefreshToken',
        id: refreshToken,
        payload,
        expiresAt: moved?.expiresAt ?? 0,
        grantId: String(payload.grantId),
      });
      await sql`alter table refresh_tokens drop column kind`.execute(storage.db);
      await sql`alter table refresh_tokens drop column payload`.execute(storage.db);
      // The upgrade: 0013 itself (run directly: the migrations after it stay applied, and the
      // migrator refuses to apply one out of order), then the next start.
      await oauthRefreshTokensMigration().up(storage.db as unknown as Kysely<unknown>);
      const after = await start();
      try {
        const artifacts = await sql<{ n: number }>`select count(*) as n from oauth_artifacts
          where model = 'RefreshToken'`.execute(storage.db);
        expect(Number(artifacts.rows[0]?.n)).toBe(0);
        expect(await storage.refreshTokens.find(oauthRefreshIdHash(refreshToken))).toMatchObject({
          kind: 'oauth',
          consumedAt: null,
          payload,
        });
        const rp = await relyingParty(after, issued);
        const refreshed = await oidc.refreshTokenGrant(rp.config, refreshToken);
        expect(refreshed.access_token).toBeTypeOf('string');
        const next = refreshed.refresh_token ?? '';
        expect(next).not.toBe(refreshToken);
        expect((await oidc.refreshTokenGrant(rp.config, next)).access_token).toBeTypeOf('string');
        // The first token was used and its successor too: presenting it again is reuse.
        await expect(oidc.refreshTokenGrant(rp.config, refreshToken)).rejects.toMatchObject({
          error: 'invalid_grant',
        });
      } finally {
        await after.close();
        await storage.close();
      }
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-upgrade-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
describeUpgrade('sqlite', () => ({ url: `sqlite:${join(dir, 'gatehouse.db')}` }));

const schema = `gh_upgrade_${randomBytes(4).toString('hex')}`;
describe.skipIf(postgresUrl === undefined)('postgres', () => {
  afterAll(async () => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });
  describeUpgrade('postgres', () => ({ url: postgresUrl ?? '', schema }));
});
