import type { UserProfileRepository } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { givenUsers, type MakeFixture, useFixture } from './fixtures.ts';

export function describeUserProfileRepositoryConformance(
  name: string,
  make: MakeFixture<UserProfileRepository>,
): void {
  describe(`${name}: UserProfileRepository conformance`, () => {
    const fixture = useFixture(make);

    it('gives an empty profile to a user who has none, and to an unknown id', async () => {
      const { store, users } = fixture();
      const [userId = ''] = await givenUsers(users, 1, Date.now());
      expect(await store.get(userId)).toEqual({});
      expect(await store.get('nobody')).toEqual({});
    });

    it('replaces the whole profile of one user only, nested address and booleans intact', async () => {
      const { store, users } = fixture();
      const [alice = '', bob = ''] = await givenUsers(users, 2, Date.now());
      const first = {
        name: 'Alice Liddell',
        phone_number: '+441234567890',
        phone_number_verified: true,
        address: { locality: 'Oxford', country: 'GB' },
      };
      expect(await store.set(alice, first, Date.now())).toBe(true);
      expect(await store.set(bob, { nickname: 'bob' }, Date.now())).toBe(true);
      expect(await store.get(alice)).toEqual(first);
      expect(await store.set(alice, { given_name: 'Alice' }, Date.now())).toBe(true);
      expect(await store.get(alice)).toEqual({ given_name: 'Alice' });
      expect(await store.get(bob)).toEqual({ nickname: 'bob' });
    });

    it('refuses a profile for a user that does not exist', async () => {
      const { store } = fixture();
      expect(await store.set('no-such-user', { name: 'Ghost' }, Date.now())).toBe(false);
      expect(await store.get('no-such-user')).toEqual({});
    });
  });
}
