import { fakeSigningKey } from '@gatehouse/testkit';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { SqlSigningKeyStore, type SqlStorage } from '../src/index.ts';
import { describeOnBothDialects } from './helpers.ts';

/**
 * The key-ring table's own guarantees on both dialects (the port's conformance suite runs with
 * the whole storage, in sqlite.test.ts and postgres.test.ts).
 */
function describeSqlSigningKeys(name: string, storage: () => SqlStorage): void {
  describe(`${name}: signing_keys table`, () => {
    it('allows one active and one next key even to writes that bypass the store', async () => {
      const { db } = storage();
      const row = (status: 'active' | 'next' | 'retired') => {
        const key = fakeSigningKey(status);
        return {
          kid: key.kid,
          alg: key.alg,
          status,
          public_jwk: JSON.stringify(key.publicJwk),
          sealed_private_key: key.sealedPrivateKey,
          created_at: key.createdAt,
          activated_at: key.activatedAt,
          retired_at: key.retiredAt,
          remove_after: key.removeAfter,
        };
      };
      try {
        await db
          .insertInto('signing_keys')
          .values([row('active'), row('next'), row('retired'), row('retired')])
          .execute();
        await expect(db.insertInto('signing_keys').values(row('active')).execute()).rejects.toThrow(
          /unique/i,
        );
        await expect(db.insertInto('signing_keys').values(row('next')).execute()).rejects.toThrow(/unique/i);
      } finally {
        await db.deleteFrom('signing_keys').execute();
      }
    });

    it('reads a row with an unknown status or algorithm as an error, not a key', async () => {
      const { db, dialect } = storage();
      const store = new SqlSigningKeyStore(db, dialect);
      const key = fakeSigningKey('retired');
      try {
        await store.insert([key]);
        await db.updateTable('signing_keys').set({ alg: 'HS256' }).execute();
        await expect(store.list()).rejects.toThrow(/signing_keys.alg/);
        await db.updateTable('signing_keys').set({ alg: 'ES256', status: 'compromised' }).execute();
        await expect(store.list()).rejects.toThrow(/signing_keys.status/);
        await db
          .updateTable('signing_keys')
          .set({ status: 'retired', public_jwk: JSON.stringify({ ...key.publicJwk, use: 'enc' }) })
          .execute();
        await expect(store.list()).rejects.toThrow(/public_jwk/);
      } finally {
        await db.deleteFrom('signing_keys').execute();
      }
    });
  });
}

await describeOnBothDialects(
  'signing-keys',
  (name, storage, schema) => {
    describeSqlSigningKeys(name, storage);
    if (schema === undefined) return;
    it('postgres: keeps signing_keys in its own schema, times as bigint', async () => {
      const { rows } = await sql<{ column_name: string; data_type: string }>`
        select column_name, data_type from information_schema.columns
        where table_schema = ${schema} and table_name = 'signing_keys' and column_name in ('created_at', 'activated_at', 'retired_at', 'remove_after')
        order by column_name
      `.execute(storage().db);
      expect(rows).toEqual([
        { column_name: 'activated_at', data_type: 'bigint' },
        { column_name: 'created_at', data_type: 'bigint' },
        { column_name: 'remove_after', data_type: 'bigint' },
        { column_name: 'retired_at', data_type: 'bigint' },
      ]);
    });
  },
  '0002_signing_keys',
);
