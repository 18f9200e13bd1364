import type { AuditEvent, AuditLog } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { type MakeFixture, useFixture } from './fixtures.ts';

const NOW = Date.UTC(2026, 0, 1);

function event(id: string, at: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id,
    at,
    type: 'login.succeeded',
    actorId: null,
    subjectId: null,
    ip: null,
    requestId: null,
    details: {},
    ...overrides,
  };
}

export function describeAuditLogConformance(name: string, make: MakeFixture<AuditLog>): void {
  describe(`${name}: AuditLog conformance`, () => {
    const fixture = useFixture(make);

    it('lists newest first, up to the limit', async () => {
      const { store } = fixture();
      for (const [id, at] of [
        ['e2', NOW + 2],
        ['e1', NOW + 1],
        ['e3', NOW + 3],
      ] as const) {
        await store.record(event(id, at));
      }
      expect((await store.list({ limit: 10 })).map((e) => e.id)).toEqual(['e3', 'e2', 'e1']);
      expect((await store.list({ limit: 2 })).map((e) => e.id)).toEqual(['e3', 'e2']);
    });

    it('round-trips every field, details included', async () => {
      const { store } = fixture();
      const full = event('full', NOW, {
        type: 'role.granted',
        actorId: 'admin-1',
        subjectId: 'user-1',
        ip: '203.0.113.9',
        requestId: 'req-42',
        details: { role: 'editor', count: 3, ratio: 0.5, ok: true, none: null, text: 'ünïcødé "q"' },
      });
      await store.record(full);
      await store.record(event('bare', NOW - 1));
      expect(await store.list({ limit: 10 })).toStrictEqual([full, event('bare', NOW - 1)]);
    });

    it('filters by type and by subject', async () => {
      const { store } = fixture();
      await store.record(event('a', NOW + 1, { type: 'login.failed', subjectId: 'u1' }));
      await store.record(event('b', NOW + 2, { type: 'login.succeeded', subjectId: 'u1' }));
      await store.record(event('c', NOW + 3, { type: 'login.failed', subjectId: 'u2' }));
      const ids = async (options: Parameters<AuditLog['list']>[0]) =>
        (await store.list(options)).map((e) => e.id);
      expect(await ids({ limit: 10, type: 'login.failed' })).toEqual(['c', 'a']);
      expect(await ids({ limit: 10, subjectId: 'u1' })).toEqual(['b', 'a']);
      expect(await ids({ limit: 10, type: 'login.failed', subjectId: 'u1' })).toEqual(['a']);
      expect(await ids({ limit: 10, type: 'logout' })).toEqual([]);
    });
  });
}
