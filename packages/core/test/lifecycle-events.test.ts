/**
 * The lifecycle event hub: subscribers run one after another in subscription order, a failing one
 * stops the rest and fails the publisher where it published (as the direct calls it replaced did),
 * and the publishers keep their order — revocations are heard while the user row still exists.
 */
import { memoryStorage } from '@gatehouse/testkit';
import { describe, expect, it } from 'vitest';
import { Accounts } from '../src/accounts.ts';
import { AuditTrail } from '../src/audit-trail.ts';
import { ManualClock } from '../src/clock.ts';
import { type LifecycleEvent, LifecycleEvents } from '../src/lifecycle-events.ts';
import type { PasswordHasher } from '../src/ports.ts';
import { SessionManager } from '../src/session-manager.ts';

const T0 = Date.UTC(2026, 0, 1);
const meta = { ip: '203.0.113.7', userAgent: 'test' };
const hasher: PasswordHasher = {
  hash: async (password) => `plain:${password}`,
  verify: async (hash, password) => hash === `plain:${password}`,
  needsRehash: () => false,
};
const tick = () => new Promise((resolve) => setImmediate(resolve));

function setup() {
  const storage = memoryStorage();
  const clock = new ManualClock(T0);
  const events = new LifecycleEvents();
  const steps: string[] = [];
  const sessions = new SessionManager({
    events,
    cutOff: async (subject) => {
      steps.push(`cut-off ${subject}`);
    },
    store: storage.sessions,
    users: storage.users,
    bus: storage.bus,
    clock,
    policy: { idleTimeoutMs: 60_000, absoluteTimeoutMs: 3_600_000 },
    cacheTtlMs: 0,
  });
  const accounts = new Accounts({
    events,
    users: storage.users,
    profiles: storage.profiles,
    credentials: storage.credentials,
    roles: storage.roles,
    hasher,
    sessions,
    bus: storage.bus,
    audit: new AuditTrail(storage.audit, clock),
    clock,
    passwordPolicy: { minLength: 15, maxLength: 64 },
  });
  return { storage, events, sessions, accounts, steps };
}

describe('LifecycleEvents', () => {
  it('runs subscribers of the event, only those, one after another in subscription order', async () => {
    const events = new LifecycleEvents();
    const seen: string[] = [];
    let release: () => void = () => {};
    events.on('UserDisabled', async ({ userId }) => {
      seen.push(`first ${userId} start`);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      seen.push(`first ${userId} end`);
    });
    events.on('UserDisabled', ({ userId }) => {
      seen.push(`second ${userId}`);
    });
    events.on('UserDeleted', () => {
      seen.push('not this one');
    });
    const published = events.publish({ type: 'UserDisabled', userId: 'u1' });
    await tick();
    // The second waits for the first to settle.
    expect(seen).toEqual(['first u1 start']);
    release();
    await published;
    expect(seen).toEqual(['first u1 start', 'first u1 end', 'second u1']);
  });

  it('a failing subscriber rejects publish with its own error and the later ones do not run', async () => {
    const events = new LifecycleEvents();
    const seen: string[] = [];
    const failure = new Error('revocation store down');
    events.on('PasswordChanged', () => {
      seen.push('first');
    });
    events.on('PasswordChanged', async () => {
      throw failure;
    });
    events.on('PasswordChanged', () => {
      seen.push('third');
    });
    await expect(events.publish({ type: 'PasswordChanged', userId: 'u1' })).rejects.toBe(failure);
    expect(seen).toEqual(['first']);
  });

  it('notify reports a failure to onUnawaitedError (nobody awaits it) and unsubscribe stops delivery', async () => {
    const reported: Array<{ error: unknown; event: LifecycleEvent }> = [];
    const events = new LifecycleEvents({
      onUnawaitedError: (error, event) => reported.push({ error, event }),
    });
    const failure = new Error('key ring reload failed');
    const unsubscribe = events.on('SigningKeyRevoked', async () => {
      throw failure;
    });
    events.notify({ type: 'SigningKeyRevoked', kids: ['k1'] });
    await expect.poll(() => reported.length).toBe(1);
    expect(reported[0]).toEqual({ error: failure, event: { type: 'SigningKeyRevoked', kids: ['k1'] } });
    unsubscribe();
    events.notify({ type: 'SigningKeyRevoked', kids: ['k2'] });
    await tick();
    expect(reported).toHaveLength(1);
  });
});

describe('publishers keep their order through the hub', () => {
  it('deleting a user: sessions end, then UserDeleted while the row exists, then the row goes and AccessChanged', async () => {
    const { storage, events, sessions, accounts, steps } = setup();
    const user = await accounts.createUser({ email: 'del@example.test' });
    await sessions.start({ userId: user.id, ...meta });
    events.on('UserSignedOut', ({ userId }) => {
      steps.push(`signed out ${userId === user.id}`);
    });
    events.on('UserDeleted', async ({ userId }) => {
      steps.push(`deleted, row there: ${(await storage.users.findById(userId)) !== undefined}`);
    });
    events.on('AccessChanged', async ({ subject }) => {
      steps.push(`access changed, row there: ${(await storage.users.findById(subject)) !== undefined}`);
    });
    await accounts.deleteUser(user.id);
    expect(steps).toEqual([
      `cut-off ${user.id}`,
      'signed out true',
      'deleted, row there: true',
      'access changed, row there: false',
    ]);
  });

  it('a failing UserDeleted subscriber fails the deletion before the row goes (as a failing hook did)', async () => {
    const { storage, events, accounts } = setup();
    const user = await accounts.createUser({ email: 'keep@example.test' });
    const failure = new Error('grant store down');
    events.on('UserDeleted', async () => {
      throw failure;
    });
    await expect(accounts.deleteUser(user.id)).rejects.toBe(failure);
    // Disabled (nothing new can start), but not deleted: the revocations did not all go out.
    expect(await storage.users.findById(user.id)).toMatchObject({ id: user.id, disabled: true });
  });

  it('a failing SessionsEnded subscriber fails the logout after the session is gone from the store', async () => {
    const { storage, events, sessions } = setup();
    await storage.users.create({ id: 'u1', email: 'u1@example.test', kind: 'user', now: T0 });
    const started = await sessions.start({ userId: 'u1', ...meta });
    const failure = new Error('refresh store down');
    events.on('SessionsEnded', async () => {
      throw failure;
    });
    await expect(sessions.end(started.record.idHash)).rejects.toBe(failure);
    expect(await storage.sessions.get(started.record.idHash)).toBeUndefined();
  });
});
