import type { CredentialRepository } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { givenUsers, type MakeFixture, useFixture } from './fixtures.ts';

export function describeCredentialRepositoryConformance(
  name: string,
  make: MakeFixture<CredentialRepository>,
): void {
  describe(`${name}: CredentialRepository conformance`, () => {
    const fixture = useFixture(make);

    it('returns undefined when no password is set', async () => {
      const { store, users } = fixture();
      const [userId = ''] = await givenUsers(users, 1, Date.now());
      expect(await store.getPasswordHash(userId)).toBeUndefined();
      expect(await store.getPasswordHash('nobody')).toBeUndefined();
    });

    it('sets and replaces the password hash of one user only', async () => {
      const { store, users } = fixture();
      const [alice = '', bob = ''] = await givenUsers(users, 2, Date.now());
      await store.setPasswordHash(alice, '$argon2id$v=19$m=19456,t=2,p=1$first', Date.now());
      await store.setPasswordHash(bob, '$argon2id$bob', Date.now());
      expect(await store.getPasswordHash(alice)).toBe('$argon2id$v=19$m=19456,t=2,p=1$first');
      await store.setPasswordHash(alice, '$argon2id$second', Date.now());
      expect(await store.getPasswordHash(alice)).toBe('$argon2id$second');
      expect(await store.getPasswordHash(bob)).toBe('$argon2id$bob');
    });
  });
}
