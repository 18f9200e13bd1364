import { oauthRefreshIdHash } from '@gatehouse/core';
import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { SqlStorage } from '../src/index.ts';
import { oauthRefreshTokensMigration } from '../src/migrations/0013_oauth_refresh_tokens.ts';
import { SqlOAuthArtifactStore } from '../src/repositories/oauth-artifacts.ts';
import { describeOnBothDialects } from './helpers.ts';

const HOUR = 3_600_000;

/**
 * Issue 17 #3, migration 0013: the engine's live refresh tokens move from the artifact table into
 * the one refresh-token store, consumed state included; expired ones and a deleted user's are dropped.
 */
function describeMove(name: string, storage: () => SqlStorage): void {
  describe(`${name}: 0013_oauth_refresh_tokens`, () => {
    it('moves live engine refresh tokens, consumed ones too, and drops the expired and the orphaned', async () => {
      const { db } = storage();
      const now = Date.now();
      // Back to the state before 0013, with the tokens the engine adapter wrote then.
      await sql`alter table refresh_tokens drop column kind`.execute(db);
      await sql`alter table refresh_tokens drop column payload`.execute(db);
      await sql`insert into users (id, email, email_skeleton, kind, disabled, created_at, updated_at)
        values ('u1', 'u1@example.test', 'u1@example.test', 'user', 0, ${now}, ${now})`.execute(db);
      await sql`insert into refresh_tokens (id_hash, family_id, user_id, client_id, session_id_hash, scope,
        created_at, expires_at, family_expires_at) values ('fp', 'f1', 'u1', 'gatehouse', 's1', '', ${now},
        ${now + HOUR}, ${now + HOUR})`.execute(db);
      const artifacts = new SqlOAuthArtifactStore(db);
      const model = (accountId: string, grantId: string, more: Record<string, unknown> = {}) => ({
        kind: 'RefreshToken',
        accountId,
        grantId,
        clientId: 'c1',
        scope: 'openid offline_access',
        iat: Math.floor(now / 1000),
        iiat: Math.floor(now / 1000),
        ...more,
      });
      const write = (id: string, payload: Record<string, unknown>, expiresAt: number) =>
        artifacts.upsert({ model: 'RefreshToken', id, payload, expiresAt, grantId: String(payload.grantId) });
      await write('live', model('u1', 'g1', { expiresWithSession: true, sessionUid: 'sess1' }), now + HOUR);
      await write('used', model('u1', 'g1', { expiresWithSession: true, sessionUid: 'sess1' }), now + HOUR);
      await artifacts.consume('RefreshToken', 'used', now - 1000);
      await write('offline', model('u1', 'g2', { expiresWithSession: false }), now + HOUR);
      await write('expired', model('u1', 'g3'), now - 1);
      await write('orphan', model('gone', 'g4'), now + HOUR);
      await artifacts.upsert({
        model: 'Grant',
        id: 'g1',
        payload: { accountId: 'u1' },
        expiresAt: now + HOUR,
      });

      await oauthRefreshTokensMigration().up(db as unknown as Kysely<unknown>);

      const tokens = storage().refreshTokens;
      expect(await tokens.find(oauthRefreshIdHash('live'))).toEqual({
        idHash: oauthRefreshIdHash('live'),
        kind: 'oauth',
        familyId: 'grant:g1',
        userId: 'u1',
        clientId: 'c1',
        sessionIdHash: 'oauth-session:sess1',
        scope: 'openid offline_access',
        createdAt: Math.floor(now / 1000) * 1000,
        expiresAt: now + HOUR,
        familyExpiresAt: now + HOUR,
        consumedAt: null,
        revokedAt: null,
        payload: model('u1', 'g1', { expiresWithSession: true, sessionUid: 'sess1' }),
      });
      expect((await tokens.find(oauthRefreshIdHash('used')))?.consumedAt).toBe(now - 1000);
      expect((await tokens.find(oauthRefreshIdHash('offline')))?.sessionIdHash).toBe('');
      expect(await tokens.find(oauthRefreshIdHash('expired'))).toBeUndefined();
      expect(await tokens.find(oauthRefreshIdHash('orphan'))).toBeUndefined();
      // Nothing is keyed by the token itself any more; other artifacts stay.
      expect(await artifacts.find('RefreshToken', 'live', now)).toBeUndefined();
      expect(await artifacts.find('Grant', 'g1', now)).toBeDefined();
      // Rows written before 0013 are first-party; the family revocation reaches the moved tokens.
      expect(await tokens.find('fp')).toMatchObject({ kind: 'first-party', payload: null });
      expect(await tokens.revokeFamily('grant:g1', now)).toBe(2);
    });
  });
}

await describeOnBothDialects('oauth-refresh-move', describeMove, '0013_oauth_refresh_tokens');
