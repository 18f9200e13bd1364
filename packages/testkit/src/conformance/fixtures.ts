import { randomId, type SessionRecord, type UserRepository } from '@gatehouse/core';
import { afterEach, beforeEach } from 'vitest';

/** What every suite's `make` returns: a fresh, empty store and how to dispose of it. */
export interface Fixture<T> {
  store: T;
  /** Stores with foreign keys to users get them from here; the suite creates the users it refers to. */
  users?: UserRepository;
  cleanup(): Promise<void>;
}

export type MakeFixture<T> = () => Promise<Fixture<T>>;

/** Registers per-test setup and teardown; returns a getter for the current fixture. */
export function useFixture<T>(make: MakeFixture<T>): () => Fixture<T> {
  let current: Fixture<T> | undefined;
  beforeEach(async () => {
    current = await make();
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('fixture used outside a test');
    return current;
  };
}

export const HOUR = 3_600_000;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Creates the users (when the store needs them) and returns their ids. */
export async function givenUsers(
  users: UserRepository | undefined,
  count: number,
  now: number,
): Promise<string[]> {
  const ids = Array.from({ length: count }, () => `u_${randomId(8)}`);
  for (const id of ids) {
    const created = await users?.create({ id, email: `${id}@example.test`, kind: 'user', now });
    if (users && !created) throw new Error(`could not create user ${id}`);
  }
  return ids;
}

/** A live session for `userId`, expiring well in the future relative to `now` (real time by default). */
export function sessionFor(
  userId: string,
  now: number = Date.now(),
  overrides: Partial<SessionRecord> = {},
): SessionRecord {
  return {
    idHash: randomId(32),
    publicId: randomId(12),
    userId,
    createdAt: now,
    lastSeenAt: now,
    idleExpiresAt: now + HOUR,
    absoluteExpiresAt: now + 12 * HOUR,
    authMethod: 'password',
    authTime: now - 1234,
    ip: '2001:db8::1',
    userAgent: 'Mozilla/5.0 (X11; Linux) "quoted" ünïcødé ✓',
    ...overrides,
  };
}
