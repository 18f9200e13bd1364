import type { Accounts } from '../accounts.ts';
import type { AuditTrail } from '../audit-trail.ts';
import type { Clock } from '../clock.ts';
import type { MailQueue } from '../mail.ts';
import type {
  CredentialRepository,
  InvalidationBus,
  PasswordHasher,
  UserRecord,
  UserRepository,
} from '../ports.ts';
import type { AccountTokens } from './account-tokens.ts';
import type { DeferredWork } from './deferred-work.ts';
import type { MailThrottle } from './mail-throttle.ts';

/** How long each kind of emailed link lives. */
export interface AccountLinkLifetimes {
  verifyEmailMs: number;
  resetPasswordMs: number;
  changeEmailMs: number;
  undoEmailChangeMs: number;
  invitationMs: number;
}

export const defaultAccountLinkLifetimes: AccountLinkLifetimes = {
  verifyEmailMs: 24 * 3_600_000,
  resetPasswordMs: 30 * 60_000,
  changeEmailMs: 24 * 3_600_000,
  undoEmailChangeMs: 7 * 24 * 3_600_000,
  invitationMs: 7 * 24 * 3_600_000,
};

/** What every account flow works with; built once by the server. */
export interface AccountFlowContext {
  users: UserRepository;
  credentials: CredentialRepository;
  accounts: Accounts;
  hasher: PasswordHasher;
  tokens: AccountTokens;
  mail: MailQueue;
  throttle: MailThrottle;
  deferred: DeferredWork;
  audit: AuditTrail;
  bus: InvalidationBus;
  clock: Clock;
  /**
   * The origin of every emailed link: the configured issuer, never a request's Host or
   * X-Forwarded-Host (a forged header would otherwise mail the victim a link to the attacker).
   */
  issuer: string;
  lifetimes: AccountLinkLifetimes;
}

/** The absolute link for a page that takes a token: `{issuer}{path}?token=…`. */
export function accountLink(context: AccountFlowContext, path: string, token: string): string {
  return `${context.issuer}${path}?token=${encodeURIComponent(token)}`;
}

/** Minutes, rounded up, for "this link expires in N minutes". */
export function minutes(ms: number): string {
  return String(Math.ceil(ms / 60_000));
}

/** Enqueues one email; the outbox renders and sends it after the request. */
export function sendMail(
  context: AccountFlowContext,
  to: string,
  template: string,
  values: Record<string, string>,
): Promise<void> {
  return context.mail.enqueue({ to, template, values }, context.clock.now());
}

/** A user the public flows may act for: a person, not disabled. */
export function isActivePerson(user: UserRecord | undefined): user is UserRecord {
  return user !== undefined && user.kind === 'user' && !user.disabled;
}
