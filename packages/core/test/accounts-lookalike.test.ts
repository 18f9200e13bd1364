/**
 * Issue 15 #6: an address that looks like an existing account's (same TR39 confusable skeleton)
 * is refused exactly like the same address again, through `Accounts` on the memory store.
 */
import { memoryStorage } from '@gatehouse/testkit';
import { describe, expect, it } from 'vitest';
import { Accounts } from '../src/accounts.ts';
import { AuditTrail } from '../src/audit-trail.ts';
import { ManualClock } from '../src/clock.ts';
import { GatehouseError } from '../src/errors.ts';
import type { PasswordHasher } from '../src/ports.ts';
import { SessionManager } from '../src/session-manager.ts';

const hasher: PasswordHasher = {
  hash: async (password) => `plain:${password}`,
  verify: async (hash, password) => hash === `plain:${password}`,
  needsRehash: () => false,
};

function setup() {
  const storage = memoryStorage();
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const sessions = new SessionManager({
    store: storage.sessions,
    users: storage.users,
    bus: storage.bus,
    clock,
    policy: { idleTimeoutMs: 60_000, absoluteTimeoutMs: 3_600_000 },
    cacheTtlMs: 0,
  });
  const accounts = new Accounts({
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
  return { accounts, storage };
}

/** What `createUser` threw, as the fields a caller sees. */
async function refusal(attempt: Promise<unknown>) {
  const error = await attempt.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GatehouseError);
  const { code, status, detail, message } = error as GatehouseError;
  return { code, status, detail, message };
}

describe('issue 15 #6: look-alike emails', () => {
  it('issue 15 #6: a Cyrillic look-alike of an existing email is refused like a duplicate', async () => {
    const { accounts, storage } = setup();
    await accounts.createUser({ email: 'alice@example.com' });
    const duplicate = await refusal(accounts.createUser({ email: 'alice@example.com' }));
    expect(duplicate).toMatchObject({ code: 'conflict', status: 409 });
    // U+0430 CYRILLIC SMALL LETTER A.
    expect(await refusal(accounts.createUser({ email: '\u0430lice@example.com' }))).toEqual(duplicate);
    expect(await storage.users.list({ limit: 10, offset: 0 })).toHaveLength(1);
  });

  it('issue 15 #6: fullwidth, look-alike domain and invisible characters are refused the same way', async () => {
    const { accounts } = setup();
    await accounts.createUser({ email: 'alice@example.com' });
    const duplicate = await refusal(accounts.createUser({ email: 'ALICE@example.com' }));
    for (const lookalike of [
      '\uff41lice@example.com', // ａ FULLWIDTH LATIN SMALL LETTER A
      'ａｌｉｃｅ@ｅｘａｍｐｌｅ.ｃｏｍ', // fullwidth throughout (ｍ is not in confusables.txt: NFKD)
      'alice@ex\u0430mple.com', // Cyrillic а in the domain
      'ali\u200bce@example.com', // a zero-width space
      'a1ice@example.com', // TR39: 1 → l
    ]) {
      expect(await refusal(accounts.createUser({ email: lookalike })), lookalike).toEqual(duplicate);
    }
  });

  it('issue 15 #6: distinct addresses stay distinct (b0b is not bob: 0 → O, and emails are lower case)', async () => {
    const { accounts } = setup();
    for (const email of [
      'bob@example.com',
      'b0b@example.com',
      'bob+tag@example.com',
      'b.ob@example.com',
      'bob@example.org',
      'josé@example.com',
      'jose@example.com',
    ]) {
      await expect(accounts.createUser({ email }), email).resolves.toMatchObject({ email });
    }
  });
});
