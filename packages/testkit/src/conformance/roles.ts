import type { RoleRepository } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { givenUsers, type MakeFixture, useFixture } from './fixtures.ts';

const NOW = Date.UTC(2026, 0, 1);

export function describeRoleRepositoryConformance(name: string, make: MakeFixture<RoleRepository>): void {
  describe(`${name}: RoleRepository conformance`, () => {
    const fixture = useFixture(make);

    it('upserts, gets and lists roles by name', async () => {
      const { store } = fixture();
      const editor = await store.upsert({
        name: 'editor',
        description: 'Edits',
        permissions: ['notes:write'],
        now: NOW,
      });
      await store.upsert({ name: 'admin', description: 'All', permissions: ['*'], now: NOW });
      const expected = {
        name: 'editor',
        description: 'Edits',
        permissions: ['notes:write'],
        createdAt: NOW,
        updatedAt: NOW,
      };
      expect(editor).toStrictEqual(expected);
      expect(await store.get('editor')).toStrictEqual(expected);
      expect(await store.get('nope')).toBeUndefined();
      expect((await store.list()).map((role) => role.name)).toEqual(['admin', 'editor']);
    });

    it('upsert replaces description and permissions and keeps createdAt', async () => {
      const { store, users } = fixture();
      const [userId = ''] = await givenUsers(users, 1, NOW);
      await store.upsert({
        name: 'editor',
        description: 'Edits',
        permissions: ['notes:write', 'notes:read'],
        now: NOW,
      });
      await store.grant(userId, 'editor', NOW);
      const replaced = await store.upsert({
        name: 'editor',
        description: 'Reads',
        permissions: ['notes:read'],
        now: NOW + 5,
      });
      const expected = {
        name: 'editor',
        description: 'Reads',
        permissions: ['notes:read'],
        createdAt: NOW,
        updatedAt: NOW + 5,
      };
      expect(replaced).toStrictEqual(expected);
      expect(await store.get('editor')).toStrictEqual(expected);
      expect(await store.permissionsOf(userId)).toEqual(['notes:read']);
      expect(await store.rolesOf(userId)).toEqual(['editor']);
    });

    it('grants and revokes, reporting changes', async () => {
      const { store, users } = fixture();
      const [alice = '', bob = ''] = await givenUsers(users, 2, NOW);
      await store.upsert({ name: 'b-role', description: '', permissions: [], now: NOW });
      await store.upsert({ name: 'a-role', description: '', permissions: [], now: NOW });
      expect(await store.grant(alice, 'b-role', NOW)).toBe(true);
      expect(await store.grant(alice, 'b-role', NOW)).toBe(false);
      expect(await store.grant(alice, 'a-role', NOW)).toBe(true);
      expect(await store.rolesOf(alice)).toEqual(['a-role', 'b-role']);
      expect(await store.rolesOf(bob)).toEqual([]);
      expect(await store.revoke(alice, 'b-role')).toBe(true);
      expect(await store.revoke(alice, 'b-role')).toBe(false);
      expect(await store.revoke(bob, 'a-role')).toBe(false);
      expect(await store.rolesOf(alice)).toEqual(['a-role']);
    });

    it('permissionsOf is the deduplicated union over the roles held', async () => {
      const { store, users } = fixture();
      const [alice = '', bob = ''] = await givenUsers(users, 2, NOW);
      await store.upsert({
        name: 'reader',
        description: '',
        permissions: ['notes:read', 'users:read'],
        now: NOW,
      });
      await store.upsert({
        name: 'writer',
        description: '',
        permissions: ['notes:write', 'notes:read'],
        now: NOW,
      });
      await store.upsert({ name: 'other', description: '', permissions: ['admin:*'], now: NOW });
      await store.grant(alice, 'reader', NOW);
      await store.grant(alice, 'writer', NOW);
      await store.grant(bob, 'other', NOW);
      expect([...(await store.permissionsOf(alice))].sort()).toEqual([
        'notes:read',
        'notes:write',
        'users:read',
      ]);
      expect(await store.permissionsOf('nobody')).toEqual([]);
    });

    it('deleting a role removes its assignments', async () => {
      const { store, users } = fixture();
      const [userId = ''] = await givenUsers(users, 1, NOW);
      await store.upsert({ name: 'editor', description: '', permissions: ['notes:write'], now: NOW });
      await store.upsert({ name: 'reader', description: '', permissions: ['notes:read'], now: NOW });
      await store.grant(userId, 'editor', NOW);
      await store.grant(userId, 'reader', NOW);
      expect(await store.delete('editor')).toBe(true);
      expect(await store.delete('editor')).toBe(false);
      expect(await store.get('editor')).toBeUndefined();
      expect(await store.rolesOf(userId)).toEqual(['reader']);
      expect(await store.permissionsOf(userId)).toEqual(['notes:read']);
      // A role re-created under the same name must not inherit the old assignments.
      await store.upsert({ name: 'editor', description: '', permissions: ['notes:write'], now: NOW + 1 });
      expect(await store.rolesOf(userId)).toEqual(['reader']);
    });
  });
}
