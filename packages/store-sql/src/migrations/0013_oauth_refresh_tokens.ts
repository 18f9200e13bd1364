import { oauthRefreshRecord } from '@gatehouse/core';
import type { Kysely, Migration } from 'kysely';

interface Tables {
  oauth_artifacts: {
    model: string;
    id: string;
    payload: string;
    expires_at: number;
    consumed_at: number | null;
  };
  refresh_tokens: {
    id_hash: string;
    kind: string;
    family_id: string;
    user_id: string;
    client_id: string;
    session_id_hash: string;
    scope: string;
    created_at: number;
    expires_at: number;
    family_expires_at: number;
    consumed_at: number | null;
    revoked_at: number | null;
    payload: string | null;
  };
  users: { id: string };
}

/**
 * One refresh-token store (issue 17 #3): the OAuth engine's refresh tokens move from the artifact
 * table into `refresh_tokens`, beside first-party ones, told apart by `kind`, the engine's model
 * kept as JSON in `payload`. Live tokens move as they are — consumed ones too, so reuse is still
 * detected — keyed by their hash instead of the token itself. Expired ones, and those of users
 * deleted since (whose grants no longer work), are dropped.
 */
export function oauthRefreshTokensMigration(): Migration {
  return {
    async up(untyped: Kysely<unknown>) {
      const db = untyped as Kysely<Tables>;
      await db.schema
        .alterTable('refresh_tokens')
        .addColumn('kind', 'text', (c) => c.notNull().defaultTo('first-party'))
        .execute();
      await db.schema.alterTable('refresh_tokens').addColumn('payload', 'text').execute();
      const move = async (trx: Kysely<Tables>) => {
        const now = Date.now();
        const rows = await trx
          .selectFrom('oauth_artifacts')
          .select(['id', 'payload', 'expires_at', 'consumed_at'])
          .where('model', '=', 'RefreshToken')
          .where('expires_at', '>', now)
          .execute();
        const users = new Set((await trx.selectFrom('users').select('id').execute()).map((u) => u.id));
        for (const row of rows) {
          const payload = JSON.parse(row.payload) as Record<string, unknown>;
          const record = oauthRefreshRecord({
            id: row.id,
            payload,
            expiresAt: Number(row.expires_at),
            createdAt: typeof payload.iat === 'number' ? payload.iat * 1000 : now,
            consumedAt: row.consumed_at === null ? null : Number(row.consumed_at),
          });
          if (record === undefined || !users.has(record.userId)) continue;
          await trx
            .insertInto('refresh_tokens')
            .values({
              id_hash: record.idHash,
              kind: record.kind,
              family_id: record.familyId,
              user_id: record.userId,
              client_id: record.clientId,
              session_id_hash: record.sessionIdHash,
              scope: record.scope,
              created_at: record.createdAt,
              expires_at: record.expiresAt,
              family_expires_at: record.familyExpiresAt,
              consumed_at: record.consumedAt,
              revoked_at: null,
              payload: JSON.stringify(payload),
            })
            .onConflict((oc) => oc.column('id_hash').doNothing())
            .execute();
        }
        await trx.deleteFrom('oauth_artifacts').where('model', '=', 'RefreshToken').execute();
      };
      // One transaction (PostgreSQL migrations already run in one; SQLite's don't).
      await (db.isTransaction ? move(db) : db.transaction().execute(move));
    },
  };
}
