import type { ImportedUser, Storage } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { type MakeFixture, useFixture } from './fixtures.ts';

const NOW = Date.UTC(2026, 0, 1);

const person = (id: string, email: string, extra: Partial<ImportedUser> = {}): ImportedUser => ({
  id,
  email,
  disabled: false,
  emailVerified: false,
  roles: [],
  ...extra,
});

/** `UserImportStore` over the ports it writes through, which the suite reads back. */
export function describeUserImportStoreConformance(
  name: string,
  make: MakeFixture<Pick<Storage, 'userImports' | 'users' | 'credentials' | 'profiles' | 'roles'>>,
): void {
  describe(`${name}: UserImportStore conformance`, () => {
    const fixture = useFixture(make);

    it('stores each user with its hash, profile, roles and disabled flag', async () => {
      const { store } = fixture();
      await store.roles.upsert({ name: 'editor', description: '', permissions: ['notes:write'], now: NOW });
      const created = await store.userImports.insertBatch(
        [
          person('u_ada', 'ada@example.test', {
            passwordHash: '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234',
            profile: { name: 'Ada Lovelace', address: { country: 'GB' } },
            roles: ['editor'],
            emailVerified: true,
          }),
          person('u_bob', 'bob@example.test', { disabled: true }),
        ],
        NOW,
      );
      expect([...created].sort()).toEqual(['u_ada', 'u_bob']);
      const ada = await store.users.findByEmail('ada@example.test');
      expect(ada).toMatchObject({
        id: 'u_ada',
        kind: 'user',
        disabled: false,
        emailVerified: true,
        createdAt: NOW,
      });
      expect(await store.credentials.getPasswordHash('u_ada')).toMatch(/^\$2b\$10\$/);
      expect(await store.profiles.get('u_ada')).toEqual({ name: 'Ada Lovelace', address: { country: 'GB' } });
      expect(await store.roles.rolesOf('u_ada')).toEqual(['editor']);
      expect(await store.users.findById('u_bob')).toMatchObject({ disabled: true, emailVerified: false });
      expect(await store.credentials.getPasswordHash('u_bob')).toBeUndefined();
      expect(await store.profiles.get('u_bob')).toEqual({});
    });

    it('skips a taken email, a look-alike, a taken id and a duplicate within the batch', async () => {
      const { store } = fixture();
      await store.users.create({ id: 'u_old', email: 'old@example.test', kind: 'user', now: NOW });
      const created = await store.userImports.insertBatch(
        [
          person('u_1', 'old@example.test', { passwordHash: '$argon2id$taken' }),
          person('u_2', 'pаypal@example.test'), // Cyrillic а: looks like the next one
          person('u_3', 'paypal@example.test'),
          person('u_old', 'new@example.test'),
          person('u_4', 'twice@example.test'),
          person('u_5', 'twice@example.test', { passwordHash: '$argon2id$second' }),
        ],
        NOW,
      );
      expect([...created].sort()).toEqual(['u_2', 'u_4']);
      expect(await store.users.findById('u_1')).toBeUndefined();
      expect(await store.users.findById('u_3')).toBeUndefined();
      expect(await store.users.findById('u_5')).toBeUndefined();
      expect(await store.users.findByEmail('new@example.test')).toBeUndefined();
      expect(await store.credentials.getPasswordHash('u_old')).toBeUndefined();
      expect(await store.credentials.getPasswordHash('u_4')).toBeUndefined();
      expect(await store.users.findByEmail('twice@example.test')).toMatchObject({ id: 'u_4' });
    });

    it('inserts a batch larger than one statement', async () => {
      const { store } = fixture();
      const batch = Array.from({ length: 1203 }, (_, i) =>
        person(`u_${i}`, `user${i}@example.test`, { passwordHash: `$argon2id$${i}` }),
      );
      expect((await store.userImports.insertBatch(batch, NOW)).size).toBe(1203);
      expect(await store.credentials.getPasswordHash('u_1202')).toBe('$argon2id$1202');
      expect(await store.userImports.insertBatch([], NOW)).toEqual(new Set());
    });
  });
}
