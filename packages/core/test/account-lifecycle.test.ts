/**
 * The account lifecycle's domain pieces on the memory store: account tokens (hashed, single use,
 * purpose-bound; short codes under an HMAC), deferred work, and the flows' address-independent
 * answers. The server's tests drive the same flows over HTTP, SQLite and PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { memoryStorage, RecordingMailQueue } from '@gatehouse/testkit';
import { describe, expect, it } from 'vitest';
import { AccountTokens } from '../src/account-lifecycle/account-tokens.ts';
import { defaultAccountLinkLifetimes } from '../src/account-lifecycle/context.ts';
import { DeferredWork } from '../src/account-lifecycle/deferred-work.ts';
import { createAccountFlows } from '../src/account-lifecycle/index.ts';
import { defaultMailThrottlePolicy, MailThrottle } from '../src/account-lifecycle/mail-throttle.ts';
import { Accounts } from '../src/accounts.ts';
import { AuditTrail } from '../src/audit-trail.ts';
import { ManualClock } from '../src/clock.ts';
import { LifecycleEvents } from '../src/lifecycle-events.ts';
import type { PasswordHasher } from '../src/ports.ts';
import { sha256Hex } from '../src/secrets.ts';
import { SessionManager } from '../src/session-manager.ts';

const T0 = Date.UTC(2026, 0, 1);
const meta = { ip: '198.51.100.7', requestId: 'test' };
/** Reversible on purpose: these tests are about the flows, not about hashing passwords. */
const hasher: PasswordHasher = {
  hash: async (password) => `plain:${password}`,
  verify: async (hash, password) => hash === `plain:${password}`,
  needsRehash: () => false,
};

function setup() {
  const storage = memoryStorage();
  const clock = new ManualClock(T0);
  const events = new LifecycleEvents();
  const sessions = new SessionManager({
    store: storage.sessions,
    users: storage.users,
    bus: storage.bus,
    clock,
    policy: { idleTimeoutMs: 60_000, absoluteTimeoutMs: 3_600_000 },
    cacheTtlMs: 0,
  });
  const audit = new AuditTrail(storage.audit, clock);
  const accounts = new Accounts({
    ...storage,
    hasher,
    sessions,
    audit,
    clock,
    events,
    passwordPolicy: { minLength: 15, maxLength: 64 },
  });
  const tokens = new AccountTokens(storage.accountTokens, clock, randomBytes(32));
  const mail = new RecordingMailQueue();
  const errors: unknown[] = [];
  const flows = createAccountFlows(
    {
      ...storage,
      accounts,
      hasher,
      tokens,
      mail,
      throttle: new MailThrottle(storage.counters, defaultMailThrottlePolicy, clock),
      deferred: new DeferredWork((error) => errors.push(error)),
      audit,
      clock,
      issuer: 'https://id.example.test',
      lifetimes: defaultAccountLinkLifetimes,
    },
    { signUp: { mode: 'open', domains: [] }, events, sessions },
  );
  return { storage, clock, accounts, tokens, mail, flows, errors };
}

describe('AccountTokens', () => {
  it('keeps only a hash; a token is single use and redeemed for its own purpose only', async () => {
    const { storage, tokens } = setup();
    await storage.users.create({ id: 'u1', email: 'u1@example.test', kind: 'user', now: T0 });
    const { token, record } = await tokens.issue({
      purpose: 'reset-password',
      userId: 'u1',
      email: 'u1@example.test',
      ttlMs: 1000,
    });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(record.idHash).toBe(sha256Hex(`account-token:${token}`));
    expect(await tokens.redeem(token, 'verify-email')).toBeUndefined();
    expect((await tokens.peek(token, 'reset-password'))?.userId).toBe('u1');
    expect((await tokens.redeem(token, 'reset-password'))?.userId).toBe('u1');
    expect(await tokens.redeem(token, 'reset-password')).toBeUndefined();
    expect(await tokens.redeem('not a token', 'reset-password')).toBeUndefined();
  });

  it('stores six-digit codes under an HMAC, bound to their user', async () => {
    const { storage, tokens } = setup();
    await storage.users.create({ id: 'u1', email: 'u1@example.test', kind: 'user', now: T0 });
    const code = await tokens.issueCode({
      purpose: 'verify-email',
      userId: 'u1',
      email: 'u1@example.test',
      ttlMs: 1000,
    });
    expect(code).toMatch(/^\d{6}$/);
    expect(await storage.accountTokens.find(sha256Hex(code), 'verify-email', T0)).toBeUndefined();
    expect(await tokens.redeemCode('u2', code, 'verify-email')).toBeUndefined();
    expect((await tokens.redeemCode('u1', code, 'verify-email'))?.email).toBe('u1@example.test');
    expect(await tokens.redeemCode('u1', code, 'verify-email')).toBeUndefined();
  });
});

describe('DeferredWork', () => {
  it('runs after the caller has moved on, reports failures, and idle() waits for everything', async () => {
    const failures: string[] = [];
    const deferred = new DeferredWork((_error, label) => failures.push(label));
    const done: string[] = [];
    deferred.run('first', async () => {
      done.push('first');
      deferred.run('nested', async () => {
        done.push('nested');
      });
    });
    deferred.run('broken', async () => {
      throw new Error('boom');
    });
    expect(done).toEqual([]);
    await deferred.idle();
    expect(done).toEqual(['first', 'nested']);
    expect(failures).toEqual(['broken']);
  });
});

describe('the flows, address-independent until after the answer', () => {
  it('forgot password: nothing is looked up before the answer; only an active account is emailed', async () => {
    const { accounts, flows, mail, storage } = setup();
    const user = await accounts.createUser({
      email: 'known@example.test',
      password: 'violet marmalade lighthouse',
    });
    const findByEmail = storage.users.findByEmail.bind(storage.users);
    let lookups = 0;
    storage.users.findByEmail = (email) => {
      lookups += 1;
      return findByEmail(email);
    };
    await flows.reset.request('known@example.test', meta);
    await flows.reset.request('unknown@example.test', meta);
    expect(lookups).toBe(0);
    await flows.idle();
    expect(lookups).toBe(2);
    expect(mail.requests.map((r) => [r.to, r.template])).toEqual([['known@example.test', 'password-reset']]);
    // Any password change retires the link.
    const token = new URL(mail.requests[0]?.values.link ?? '').searchParams.get('token') ?? '';
    expect(await flows.reset.isValid(token)).toBe(true);
    await accounts.setPassword(user.id, 'another long passphrase here');
    expect(await flows.reset.isValid(token)).toBe(false);
  });

  it('sign-up: a taken address gets the owner a notice and no second account', async () => {
    const { accounts, flows, mail, storage, errors } = setup();
    await accounts.createUser({ email: 'taken@example.test' });
    await flows.signUp.register(
      { email: 'taken@example.test', password: 'violet marmalade lighthouse' },
      meta,
    );
    await flows.idle();
    expect(errors).toEqual([]);
    expect(mail.requests.map((r) => [r.to, r.template])).toEqual([
      ['taken@example.test', 'signup-existing-account'],
    ]);
    expect(await storage.users.list({ limit: 10, offset: 0 })).toHaveLength(1);
  });
});
