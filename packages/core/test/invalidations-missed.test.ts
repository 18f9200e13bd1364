/**
 * `invalidations.missed`: the bus lost messages (its subscription dropped), so every cache it
 * feeds forgets everything — nothing evicted elsewhere meanwhile can be served from memory.
 */
import { memoryStorage } from '@gatehouse/testkit';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import type { LocalInvalidationBus } from '../src/local-bus.ts';
import { PermissionResolver } from '../src/permission-resolver.ts';
import { SessionManager } from '../src/session-manager.ts';

describe('invalidations.missed', () => {
  it('drops cached permissions and sessions', async () => {
    const storage = memoryStorage();
    const bus = storage.bus as LocalInvalidationBus;
    const clock = new ManualClock();
    const now = clock.now();
    await storage.users.create({ id: 'u1', email: 'u1@example.test', kind: 'user', now });
    await storage.roles.upsert({ name: 'reader', description: '', permissions: ['notes:read'], now });
    await storage.roles.grant('u1', 'reader', now);
    const permissions = new PermissionResolver({ roles: storage.roles, bus, clock, cacheTtlMs: 60_000 });
    expect(await permissions.can('u1', 'notes:read')).toBe(true);
    const sessions = new SessionManager({
      store: storage.sessions,
      users: storage.users,
      bus,
      clock,
      policy: { idleTimeoutMs: 3_600_000, absoluteTimeoutMs: 7_200_000 },
      cacheTtlMs: 60_000,
    });
    const { token, record } = await sessions.start({ userId: 'u1', ip: '127.0.0.1', userAgent: 'test' });
    expect(await sessions.resolve(token)).toBeDefined();

    // Changed behind this node's back: another node's messages never arrived.
    await storage.roles.revoke('u1', 'reader');
    await storage.sessions.delete(record.idHash);
    expect(await permissions.can('u1', 'notes:read')).toBe(true);
    expect(sessions.peek(token)).toBeDefined();

    bus.deliver({ type: 'invalidations.missed' });
    expect(permissions.peekAccess('u1')).toBeUndefined();
    expect(await permissions.can('u1', 'notes:read')).toBe(false);
    expect(sessions.peek(token)).toBeUndefined();
    expect(await sessions.resolve(token)).toBeUndefined();
  });
});
