import type { RequestMeta } from '../audit-trail.ts';
import { canonicalEmail } from '../email.ts';
import { GatehouseError } from '../errors.ts';
import type { UserRecord } from '../ports.ts';
import type { SessionManager } from '../session-manager.ts';
import { type AccountFlowContext, accountLink, isActivePerson, minutes, sendMail } from './context.ts';

export const CONFIRM_EMAIL_CHANGE_PATH = '/email-change/confirm';
export const UNDO_EMAIL_CHANGE_PATH = '/email-change/undo';

const INVALID_LINK = 'The link is invalid or has expired.';

/**
 * Changing one's email address. The password is asked again (a session alone is not enough); the
 * new address must confirm a link before anything changes; once it has, the old address gets a
 * notice with a link that puts it back and signs every session out, for the owner whose session
 * was not theirs. Whether the new address is taken is decided when the link is used, by the
 * store's unique rules, so the request itself reveals nothing about other accounts.
 */
export class EmailChange {
  readonly #c: AccountFlowContext;
  readonly #sessions: SessionManager;
  /** The sign-up domain allow-list: an account cannot move to an address sign-up would refuse. */
  readonly #domains: readonly string[];

  constructor(context: AccountFlowContext, sessions: SessionManager, domains: readonly string[] = []) {
    this.#c = context;
    this.#sessions = sessions;
    this.#domains = domains;
  }

  async request(
    input: { user: UserRecord; currentPassword: string; newEmail: string },
    meta: RequestMeta,
  ): Promise<void> {
    await this.#c.accounts.verifyCurrentPassword(input.user.id, input.currentPassword);
    const email = canonicalEmail(input.newEmail);
    if (email === undefined)
      throw new GatehouseError('invalid_request', { detail: 'The email address is invalid.' });
    if (email === input.user.email)
      throw new GatehouseError('invalid_request', { detail: 'That is already your address.' });
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (this.#domains.length > 0 && !this.#domains.includes(domain))
      throw new GatehouseError('invalid_request', {
        detail: 'Accounts here use addresses at the allowed domains only.',
      });
    await this.#c.throttle.attempt(email, meta.ip);
    const ttlMs = this.#c.lifetimes.changeEmailMs;
    const { token } = await this.#c.tokens.issue({
      purpose: 'change-email',
      userId: input.user.id,
      email,
      ttlMs,
      replace: true,
    });
    await sendMail(this.#c, email, 'email-change-verify', {
      email,
      old_email: input.user.email,
      link: accountLink(this.#c, CONFIRM_EMAIL_CHANGE_PATH, token),
      expires_in_minutes: minutes(ttlMs),
    });
    await this.#c.audit.record('email.change_requested', meta, { subjectId: input.user.id });
  }

  /** The new address confirmed: the change takes effect, the old address gets the undo link. */
  async confirm(token: string, meta: RequestMeta): Promise<UserRecord> {
    const record = await this.#c.tokens.redeem(token, 'change-email');
    const user = record && (await this.#c.users.findById(record.userId));
    if (record === undefined || !isActivePerson(user))
      throw new GatehouseError('invalid_request', { detail: INVALID_LINK });
    const holder = await this.#c.tokens.holderOf('undo-email-change', record.email);
    if (holder !== undefined && holder !== user.id)
      throw new GatehouseError('invalid_request', {
        detail: 'That address cannot be used for this account.',
      });
    const changed = await this.#c.users.changeEmail({
      id: user.id,
      email: record.email,
      verified: true,
      now: this.#c.clock.now(),
    });
    if (changed !== 'changed')
      throw new GatehouseError('invalid_request', {
        detail: 'That address cannot be used for this account.',
      });
    // Links sent to the old address stop working with it.
    await this.#c.tokens.revoke(user.id, 'verify-email');
    await this.#c.tokens.revoke(user.id, 'reset-password');
    const ttlMs = this.#c.lifetimes.undoEmailChangeMs;
    const { token: undo } = await this.#c.tokens.issue({
      purpose: 'undo-email-change',
      userId: user.id,
      email: user.email,
      ttlMs,
    });
    await sendMail(this.#c, user.email, 'email-change-notice', {
      email: user.email,
      new_email: record.email,
      undo_link: accountLink(this.#c, UNDO_EMAIL_CHANGE_PATH, undo),
      expires_in_minutes: minutes(ttlMs),
    });
    await this.#c.bus.publish({ type: 'user.changed', userId: user.id });
    await this.#c.audit.record('email.changed', meta, { subjectId: user.id });
    return { ...user, email: record.email, emailVerified: true };
  }

  /**
   * The old address takes the account back: its address returns, verified, and every session and
   * refresh family ends (whoever changed it may still be signed in). A password reset follows
   * through the usual page if the password is no longer the owner's.
   */
  async undo(token: string, meta: RequestMeta): Promise<UserRecord> {
    // Looked at first and used up only once the address is back: a refused undo keeps its link.
    const record = await this.#c.tokens.peek(token, 'undo-email-change');
    const user = record && (await this.#c.users.findById(record.userId));
    if (record === undefined || user === undefined || user.kind !== 'user')
      throw new GatehouseError('invalid_request', { detail: INVALID_LINK });
    const changed = await this.#c.users.changeEmail({
      id: user.id,
      email: record.email,
      verified: true,
      now: this.#c.clock.now(),
    });
    if (changed !== 'changed')
      throw new GatehouseError('invalid_request', {
        detail: 'That address cannot be used for this account.',
      });
    await this.#c.tokens.redeem(token, 'undo-email-change');
    for (const purpose of ['change-email', 'verify-email', 'reset-password'] as const)
      await this.#c.tokens.revoke(user.id, purpose);
    await this.#sessions.endAll(user.id);
    await this.#c.bus.publish({ type: 'user.changed', userId: user.id });
    await this.#c.audit.record('email.change_undone', meta, { subjectId: user.id });
    return { ...user, email: record.email, emailVerified: true };
  }
}
