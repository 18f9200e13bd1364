import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { SqlStorage } from '../src/index.ts';
import { emailSkeletonMigration } from '../src/migrations/0009_email_skeleton.ts';
import { describeOnBothDialects } from './helpers.ts';

const NOW = Date.UTC(2026, 0, 1);

/**
 * Issue 15 #6, migration 0009: existing users get their skeleton, oldest first; a pair that already
 * collided keeps both accounts (the younger one without a skeleton), and new look-alikes are refused.
 */
function describeBackfill(name: string, storage: () => SqlStorage): void {
  describe(`${name}: 0009_email_skeleton`, () => {
    it('issue 15 #6: backfills skeletons, keeps accounts that already collided, refuses new look-alikes', async () => {
      const { db } = storage();
      // Back to the state before 0009, with users written then.
      await sql`drop index users_email_skeleton_unique`.execute(db);
      await sql`alter table users drop column email_skeleton`.execute(db);
      for (const [id, email, at] of [
        ['u3', '\u0430lice@example.test', NOW + 2], // a Cyrillic look-alike, registered later
        ['u1', 'alice@example.test', NOW],
        ['u2', 'bob@example.test', NOW + 1],
      ] as const) {
        await sql`insert into users (id, email, kind, disabled, created_at, updated_at)
          values (${id}, ${email}, 'user', 0, ${at}, ${at})`.execute(db);
      }

      // The migration itself, run again on the old shape (later migrations stay applied, so the
      // migrator would refuse to run an earlier one: the step is what is under test).
      await emailSkeletonMigration().up(db as unknown as Kysely<unknown>);

      const rows = await db.selectFrom('users').select(['id', 'email_skeleton']).orderBy('id').execute();
      expect(rows).toEqual([
        { id: 'u1', email_skeleton: 'alice@exarnple.test' },
        { id: 'u2', email_skeleton: 'bob@exarnple.test' },
        { id: 'u3', email_skeleton: null },
      ]);
      // Both old accounts still work; a new look-alike of either is refused.
      expect((await storage().users.findByEmail('\u0430lice@example.test'))?.id).toBe('u3');
      expect(
        await storage().users.create({ id: 'u4', email: '\uff41lice@example.test', kind: 'user', now: NOW }),
      ).toBeUndefined();
      expect(
        await storage().users.create({ id: 'u5', email: 'b\u043eb@example.test', kind: 'user', now: NOW }),
      ).toBeUndefined();
      expect(
        await storage().users.create({ id: 'u6', email: 'carol@example.test', kind: 'user', now: NOW }),
      ).toMatchObject({ id: 'u6' });
    });
  });
}

await describeOnBothDialects('email-skeleton', describeBackfill, '0009_email_skeleton');
