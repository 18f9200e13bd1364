import { randomId, type UserRepository } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { type MakeFixture, useFixture } from './fixtures.ts';

const NOW = Date.UTC(2026, 0, 1);

export function describeUserRepositoryConformance(name: string, make: MakeFixture<UserRepository>): void {
  describe(`${name}: UserRepository conformance`, () => {
    const fixture = useFixture(make);

    it('creates a user and finds it by id and by email', async () => {
      const { store } = fixture();
      const created = await store.create({ id: 'u1', email: 'ada@example.test', kind: 'user', now: NOW });
      const expected = {
        id: 'u1',
        email: 'ada@example.test',
        kind: 'user',
        disabled: false,
        emailVerified: false,
        createdAt: NOW,
        updatedAt: NOW,
      };
      expect(created).toStrictEqual(expected);
      expect(await store.findById('u1')).toStrictEqual(expected);
      expect(await store.findByEmail('ada@example.test')).toStrictEqual(expected);
    });

    it('round-trips service identities', async () => {
      const { store } = fixture();
      await store.create({ id: 'svc', email: 'svc@example.test', kind: 'service', now: NOW });
      expect((await store.findById('svc'))?.kind).toBe('service');
    });

    it('returns undefined for unknown ids and emails', async () => {
      const { store } = fixture();
      expect(await store.findById('nobody')).toBeUndefined();
      expect(await store.findByEmail('nobody@example.test')).toBeUndefined();
    });

    it('refuses a duplicate email and keeps the first user', async () => {
      const { store } = fixture();
      await store.create({ id: 'u1', email: 'ada@example.test', kind: 'user', now: NOW });
      expect(
        await store.create({ id: 'u2', email: 'ada@example.test', kind: 'user', now: NOW + 1 }),
      ).toBeUndefined();
      expect((await store.findByEmail('ada@example.test'))?.id).toBe('u1');
      expect(await store.findById('u2')).toBeUndefined();
    });

    it('lets exactly one of 10 concurrent creates with the same email succeed', async () => {
      const { store } = fixture();
      const ids = Array.from({ length: 10 }, () => `u_${randomId(8)}`);
      const results = await Promise.all(
        ids.map((id) => store.create({ id, email: 'race@example.test', kind: 'user', now: NOW })),
      );
      const winners = results.filter((result) => result !== undefined);
      expect(winners).toHaveLength(1);
      expect((await store.findByEmail('race@example.test'))?.id).toBe(winners[0]?.id);
      expect(await store.list({ limit: 100, offset: 0 })).toHaveLength(1);
    });

    it('issue 15 #6: refuses a look-alike of a taken email (same skeleton) and keeps the first user', async () => {
      const { store } = fixture();
      await store.create({ id: 'u1', email: 'alice@example.test', kind: 'user', now: NOW });
      for (const [id, email] of [
        ['u2', '\u0430lice@example.test'], // Cyrillic а
        ['u3', '\uff41lice@example.test'], // fullwidth ａ
        ['u4', 'alice@ex\u0430mple.test'], // Cyrillic а in the domain
        ['u5', 'ali\u200bce@example.test'], // zero-width space
      ] as const) {
        expect(await store.create({ id, email, kind: 'user', now: NOW + 1 }), email).toBeUndefined();
        expect(await store.findById(id)).toBeUndefined();
        expect(await store.findByEmail(email)).toBeUndefined();
      }
      expect((await store.findByEmail('alice@example.test'))?.id).toBe('u1');
      // Service identities share the rule: the skeleton of their address is unique too.
      expect(
        await store.create({ id: 's1', email: '\u0430lice@example.test', kind: 'service', now: NOW }),
      ).toBeUndefined();
    });

    it('issue 15 #6: addresses with different skeletons are different users (bob, b0b)', async () => {
      const { store } = fixture();
      for (const [id, email] of [
        ['u1', 'bob@example.test'],
        ['u2', 'b0b@example.test'],
        ['u3', 'bob@example.org'],
        ['u4', 'josé@example.test'],
        ['u5', 'jose@example.test'],
      ] as const) {
        expect(await store.create({ id, email, kind: 'user', now: NOW }), email).toMatchObject({ id, email });
      }
      expect(await store.list({ limit: 100, offset: 0 })).toHaveLength(5);
    });

    it('issue 15 #6: lets exactly one of 10 concurrent creates with look-alike emails succeed', async () => {
      const { store } = fixture();
      const lookalikes = [
        'race@example.test',
        'r\u0430ce@example.test',
        'r\uff41ce@example.test',
        'ra\u0441e@example.test', // Cyrillic с
        'rac\u0435@example.test', // Cyrillic е
        '\uff52ace@example.test', // fullwidth ｒ
        'race@\u0435xample.test',
        'race@example.t\u0435st',
        'ra\u00adce@example.test', // soft hyphen
        'r\u0430c\u0435@example.test',
      ];
      const results = await Promise.all(
        lookalikes.map((email) => store.create({ id: `u_${randomId(8)}`, email, kind: 'user', now: NOW })),
      );
      const winners = results.filter((result) => result !== undefined);
      expect(winners).toHaveLength(1);
      expect(await store.list({ limit: 100, offset: 0 })).toHaveLength(1);
    });

    it('disables and re-enables a user', async () => {
      const { store } = fixture();
      await store.create({ id: 'u1', email: 'ada@example.test', kind: 'user', now: NOW });
      expect(await store.setDisabled('u1', true, NOW + 10)).toBe(true);
      expect(await store.findById('u1')).toMatchObject({
        disabled: true,
        createdAt: NOW,
        updatedAt: NOW + 10,
      });
      expect(await store.setDisabled('u1', false, NOW + 20)).toBe(true);
      expect(await store.findByEmail('ada@example.test')).toMatchObject({
        disabled: false,
        updatedAt: NOW + 20,
      });
      expect(await store.setDisabled('nobody', true, NOW)).toBe(false);
    });

    it('lists by creation time, then id, with limit and offset', async () => {
      const { store } = fixture();
      for (const [id, at] of [
        ['c', NOW + 2],
        ['b', NOW],
        ['d', NOW + 1],
        ['a', NOW],
      ] as const) {
        await store.create({ id, email: `${id}@example.test`, kind: 'user', now: at });
      }
      const ids = async (limit: number, offset: number) =>
        (await store.list({ limit, offset })).map((user) => user.id);
      expect(await ids(10, 0)).toEqual(['a', 'b', 'd', 'c']);
      expect(await ids(2, 1)).toEqual(['b', 'd']);
      expect(await ids(10, 4)).toEqual([]);
    });

    it('deletes a user: gone by id and by email, the email free again; never a service identity', async () => {
      const { store } = fixture();
      await store.create({ id: 'u1', email: 'ada@example.test', kind: 'user', now: NOW });
      await store.create({ id: 'svc', email: 'svc@example.test', kind: 'service', now: NOW });
      expect(await store.delete('u1')).toBe(true);
      expect(await store.findById('u1')).toBeUndefined();
      expect(await store.findByEmail('ada@example.test')).toBeUndefined();
      expect(await store.delete('u1')).toBe(false);
      expect(await store.delete('nobody')).toBe(false);
      expect(await store.delete('svc')).toBe(false);
      expect((await store.findById('svc'))?.kind).toBe('service');
      expect(
        await store.create({ id: 'u2', email: 'ada@example.test', kind: 'user', now: NOW + 1 }),
      ).toMatchObject({ id: 'u2' });
    });

    it('marks an email verified and unverified', async () => {
      const { store } = fixture();
      await store.create({ id: 'u1', email: 'ada@example.test', kind: 'user', now: NOW });
      expect(await store.setEmailVerified('u1', true, NOW + 5)).toBe(true);
      expect(await store.findByEmail('ada@example.test')).toMatchObject({
        emailVerified: true,
        updatedAt: NOW + 5,
      });
      expect(await store.setEmailVerified('u1', false, NOW + 6)).toBe(true);
      expect((await store.findById('u1'))?.emailVerified).toBe(false);
      expect(await store.setEmailVerified('nobody', true, NOW)).toBe(false);
    });

    it('changes the email: found under the new one, the old one free again', async () => {
      const { store } = fixture();
      await store.create({ id: 'u1', email: 'ada@example.test', kind: 'user', now: NOW });
      expect(
        await store.changeEmail({ id: 'u1', email: 'ada@example.org', verified: true, now: NOW + 1 }),
      ).toBe('changed');
      expect(await store.findByEmail('ada@example.org')).toMatchObject({
        id: 'u1',
        emailVerified: true,
        updatedAt: NOW + 1,
      });
      expect(await store.findByEmail('ada@example.test')).toBeUndefined();
      expect(
        await store.create({ id: 'u2', email: 'ada@example.test', kind: 'user', now: NOW + 2 }),
      ).toMatchObject({
        id: 'u2',
      });
      expect(
        await store.changeEmail({ id: 'nobody', email: 'x@example.test', verified: false, now: NOW }),
      ).toBe('not_found');
    });

    it('refuses to change an email to a taken address or a look-alike of one', async () => {
      const { store } = fixture();
      await store.create({ id: 'u1', email: 'alice@example.test', kind: 'user', now: NOW });
      await store.create({ id: 'u2', email: 'bob@example.test', kind: 'user', now: NOW });
      for (const email of ['alice@example.test', '\u0430lice@example.test', 'ali\u200bce@example.test']) {
        expect(await store.changeEmail({ id: 'u2', email, verified: true, now: NOW + 1 }), email).toBe(
          'taken',
        );
      }
      expect((await store.findById('u2'))?.email).toBe('bob@example.test');
      // Its own look-alike is no conflict: the user only holds it.
      expect(
        await store.changeEmail({ id: 'u1', email: 'alice@example.test', verified: true, now: NOW + 1 }),
      ).toBe('changed');
    });

    it('lets exactly one of 10 concurrent changes to the same address succeed', async () => {
      const { store } = fixture();
      const ids = Array.from({ length: 10 }, (_, i) => `u${i}`);
      for (const id of ids) await store.create({ id, email: `${id}@example.test`, kind: 'user', now: NOW });
      const results = await Promise.all(
        ids.map((id) => store.changeEmail({ id, email: 'race@example.test', verified: true, now: NOW + 1 })),
      );
      expect(results.filter((result) => result === 'changed')).toHaveLength(1);
      expect((await store.findByEmail('race@example.test'))?.id).toBe(ids[results.indexOf('changed')]);
    });
  });
}
