import {
  type AccountFlows,
  type Accounts,
  AccountTokens,
  type AuditTrail,
  type Clock,
  createAccountFlows,
  DeferredWork,
  type LifecycleEvents,
  type MailQueue,
  MailThrottle,
  type PasswordHasher,
  type SessionManager,
} from '@gatehouse/core';
import type { Config } from './config.ts';
import type { NodeStorage } from './stores/open-storage.ts';

/**
 * The account lifecycle's flows (docs/accounts.md) wired from the configuration: link lifetimes,
 * the registration mode and domains, the mail throttles (one budget per address, one per client;
 * guesses at a code share the per-address limit), and the key short codes are stored under.
 */
export function wireAccountFlows(deps: {
  config: Config;
  storage: NodeStorage;
  accounts: Accounts;
  hasher: PasswordHasher;
  sessions: SessionManager;
  events: LifecycleEvents;
  mail: MailQueue;
  audit: AuditTrail;
  clock: Clock;
  codeKey: Buffer;
  onDeferredError: (error: unknown, label: string) => void;
}): AccountFlows {
  const { config, storage, clock } = deps;
  const windowMs = config.mailLimitWindowSeconds * 1000;
  return createAccountFlows(
    {
      users: storage.users,
      credentials: storage.credentials,
      accounts: deps.accounts,
      hasher: deps.hasher,
      tokens: new AccountTokens(storage.accountTokens, clock, deps.codeKey),
      mail: deps.mail,
      throttle: new MailThrottle(
        storage.counters,
        {
          perAddress: { limit: config.mailLimitPerAddress, windowMs },
          perClient: { limit: config.mailLimitPerIp, windowMs },
          codeAttempts: { limit: config.mailLimitPerAddress, windowMs },
        },
        clock,
      ),
      deferred: new DeferredWork(deps.onDeferredError),
      audit: deps.audit,
      bus: storage.bus,
      clock,
      issuer: config.issuer,
      lifetimes: {
        verifyEmailMs: config.emailVerificationTtlSeconds * 1000,
        resetPasswordMs: config.passwordResetTtlSeconds * 1000,
        changeEmailMs: config.emailVerificationTtlSeconds * 1000,
        undoEmailChangeMs: 7 * 24 * 3_600_000,
        invitationMs: config.invitationTtlSeconds * 1000,
      },
    },
    {
      signUp: { mode: config.registration, domains: config.registrationDomains?.split(',') ?? [] },
      events: deps.events,
      sessions: deps.sessions,
    },
  );
}
