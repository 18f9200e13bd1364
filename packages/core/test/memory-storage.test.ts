/**
 * Issue 17 #1: the core services run on nothing but a `Storage` — here the memory reference,
 * which passes the same conformance suites as SQLite, PostgreSQL and Redis. One user's life end
 * to end: created, signed in, tokens issued and rotated, a replayed refresh token caught, deleted.
 */
import { randomId } from '@gatehouse/core';
import { memoryStorage } from '@gatehouse/testkit';
import { describe, expect, it } from 'vitest';
import { Accounts } from '../src/accounts.ts';
import { AuditTrail } from '../src/audit-trail.ts';
import { ManualClock } from '../src/clock.ts';
import { GatehouseError } from '../src/errors.ts';
import { LifecycleEvents } from '../src/lifecycle-events.ts';
import type { PasswordHasher } from '../src/ports.ts';
import { RefreshRotation } from '../src/refresh-rotation.ts';
import { RevocationIndex } from '../src/revocation-index.ts';
import { SessionManager } from '../src/session-manager.ts';
import { type AccessTokenMinter, TokenService } from '../src/token-service.ts';

const hasher: PasswordHasher = {
  hash: async (password) => `plain:${password}`,
  verify: async (hash, password) => hash === `plain:${password}`,
  needsRehash: () => false,
};

/** Access-token format is the server's business (JWTs there); storage never sees the token. */
const opaqueMinter: AccessTokenMinter = {
  mint: async () => {
    const jti = randomId(16);
    return { token: `at.${jti}`, jti, expiresInSeconds: 600 };
  },
};

const meta = { ip: '192.0.2.1', requestId: 'req-1' };

async function services() {
  const storage = memoryStorage();
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const audit = new AuditTrail(storage.audit, clock);
  const events = new LifecycleEvents();
  const sessions = new SessionManager({
    events,
    store: storage.sessions,
    users: storage.users,
    bus: storage.bus,
    clock,
    policy: { idleTimeoutMs: 3_600_000, absoluteTimeoutMs: 12 * 3_600_000 },
    cacheTtlMs: 0,
  });
  const revocations = new RevocationIndex({ store: storage.revocations, bus: storage.bus, clock });
  await revocations.load();
  const tokens = new TokenService({
    events,
    refreshTokens: storage.refreshTokens,
    revocations,
    sessions,
    users: storage.users,
    minter: opaqueMinter,
    clock,
    policy: { accessTokenTtlMs: 600_000, clockSkewMs: 30_000 },
    audit,
    rotation: new RefreshRotation(
      { idleMs: 86_400_000, absoluteMs: 30 * 86_400_000, reuseGraceMs: 0 },
      Buffer.alloc(32, 7),
    ),
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
    audit,
    clock,
    passwordPolicy: { minLength: 15, maxLength: 64 },
  });
  return { storage, clock, sessions, tokens, accounts, revocations };
}

describe('issue 17 #1: core services on memoryStorage()', () => {
  it('signs a user in, rotates their refresh token, and catches a replay of the old one', async () => {
    const { storage, clock, sessions, tokens, accounts, revocations } = await services();
    const user = await accounts.createUser({
      email: 'ada@example.test',
      password: 'a long enough passphrase',
    });
    expect(await storage.credentials.getPasswordHash(user.id)).toBe('plain:a long enough passphrase');

    const { token, record } = await sessions.start({ userId: user.id, ip: '192.0.2.1', userAgent: 'test' });
    expect((await sessions.resolve(token))?.record.idHash).toBe(record.idHash);
    const issued = await tokens.issue(record, 'notes-app', 'notes:read', meta);
    clock.advance(1000);
    const rotated = await tokens.refresh(issued.refresh_token, 'notes-app', meta);
    expect(rotated.refresh_token).not.toBe(issued.refresh_token);
    expect(rotated.scope).toBe('notes:read');

    // The first token again, after its grace (0 here): reuse. Family and session end, and the
    // session's access tokens are revoked in the sequenced log every node reads.
    const replay = await tokens.refresh(issued.refresh_token, 'notes-app', meta).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(replay).toBeInstanceOf(GatehouseError);
    expect((replay as GatehouseError).code).toBe('invalid_grant');
    await expect(tokens.refresh(rotated.refresh_token, 'notes-app', meta)).rejects.toThrow(GatehouseError);
    expect(await sessions.resolve(token)).toBeUndefined();
    const logged = await storage.revocations.after(0, clock.now(), 100);
    expect(logged.map((e) => [e.type, e.value])).toEqual([['sid', record.publicId]]);
    expect(revocations.isRevoked({ sid: record.publicId })).toBe(true);
    const events = (await storage.audit.list({ limit: 10 })).map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['user.created', 'token.issued', 'token.reuse_detected']));
  });

  it('deleting the user takes their credentials and revokes what was issued to them', async () => {
    const { storage, clock, sessions, tokens, accounts, revocations } = await services();
    const user = await accounts.createUser({ email: 'bo@example.test', password: 'another long passphrase' });
    const { record } = await sessions.start({ userId: user.id, ip: '192.0.2.1', userAgent: 'test' });
    const issued = await tokens.issue(record, 'notes-app', '', meta);
    await accounts.deleteUser(user.id);
    expect(await storage.users.findById(user.id)).toBeUndefined();
    expect(await storage.credentials.getPasswordHash(user.id)).toBeUndefined();
    expect(await storage.sessions.listByUser(user.id)).toEqual([]);
    expect(revocations.isRevoked({ sub: user.id, iat: Math.floor(clock.now() / 1000) - 1 })).toBe(true);
    await expect(tokens.refresh(issued.refresh_token, 'notes-app', meta)).rejects.toThrow(GatehouseError);
  });
});
