import type { RequestMeta } from '../audit-trail.ts';
import { canonicalEmail } from '../email.ts';
import { GatehouseError } from '../errors.ts';
import type { LifecycleEvents } from '../lifecycle-events.ts';
import type { UserRecord } from '../ports.ts';
import { type AccountFlowContext, accountLink, isActivePerson, minutes, sendMail } from './context.ts';

export const RESET_PASSWORD_PATH = '/reset-password';

const INVALID_LINK = 'The link is invalid or has expired.';

/**
 * Forgot / reset password (OWASP Forgot Password cheat sheet). The request answers the same for
 * every address and changes nothing; an active account gets a single-use link (30 min by default,
 * only the newest works) after the response. Using it sets the password under the one policy,
 * ends every session, refresh family and grant, and marks the address verified (the link reached
 * it); it never signs anyone in. Any password change kills outstanding reset, email-change and
 * invitation links.
 */
export class PasswordReset {
  readonly #c: AccountFlowContext;

  constructor(context: AccountFlowContext, events: LifecycleEvents) {
    this.#c = context;
    // A new password (the owner's reset, an administrator's set) retires every link that could
    // change the account behind the owner's back: a reset, a pending email change, an invitation.
    events.on('PasswordChanged', async (event) => {
      for (const purpose of ['reset-password', 'change-email', 'invitation'] as const)
        await this.#c.tokens.revoke(event.userId, purpose);
    });
  }

  async request(rawEmail: string, meta: RequestMeta): Promise<void> {
    const email = canonicalEmail(rawEmail);
    if (email === undefined)
      throw new GatehouseError('invalid_request', { detail: 'The email address is invalid.' });
    await this.#c.throttle.attempt(email, meta.ip);
    this.#c.deferred.run('password reset request', async () => {
      const user = await this.#c.users.findByEmail(email);
      if (!isActivePerson(user)) return;
      await this.sendLink(user);
      await this.#c.audit.record('password.reset_requested', meta, { subjectId: user.id });
    });
  }

  /** Issues a link and enqueues it: the public request's second half, and the administrator's "send reset link". */
  async sendLink(user: UserRecord): Promise<void> {
    const ttlMs = this.#c.lifetimes.resetPasswordMs;
    const { token } = await this.#c.tokens.issue({
      purpose: 'reset-password',
      userId: user.id,
      email: user.email,
      ttlMs,
      replace: true,
    });
    await sendMail(this.#c, user.email, 'password-reset', {
      email: user.email,
      link: accountLink(this.#c, RESET_PASSWORD_PATH, token),
      expires_in_minutes: minutes(ttlMs),
    });
  }

  /** An administrator sends the user a link (admin API, CLI); not throttled, audited with the actor. */
  async sendLinkTo(userId: string, meta?: RequestMeta): Promise<void> {
    const user = await this.#c.users.findById(userId);
    if (!isActivePerson(user)) throw new GatehouseError('not_found', { detail: 'No such user.' });
    await this.sendLink(user);
    await this.#c.audit.record('password.reset_requested', meta, {
      subjectId: user.id,
      details: { by: 'admin' },
    });
  }

  /** Whether the link is still good (the page shows its form only then); uses nothing up. */
  async isValid(token: string): Promise<boolean> {
    return (await this.#linkedUser(token, 'peek')) !== undefined;
  }

  /**
   * Sets the new password. The policy is checked before the token is used up, so a refused
   * password leaves the link working; two concurrent submissions cannot both use it.
   */
  async reset(token: string, password: string, meta: RequestMeta): Promise<void> {
    const candidate = await this.#linkedUser(token, 'peek');
    if (candidate === undefined) throw new GatehouseError('invalid_request', { detail: INVALID_LINK });
    await this.#c.accounts.checkPasswordFor(password, candidate);
    const user = await this.#linkedUser(token, 'redeem');
    if (user === undefined) throw new GatehouseError('invalid_request', { detail: INVALID_LINK });
    await this.#c.accounts.setPasswordByLink(user, password, 'reset', meta);
    if (!user.emailVerified) {
      await this.#c.users.setEmailVerified(user.id, true, this.#c.clock.now());
      await this.#c.bus.publish({ type: 'user.changed', userId: user.id });
    }
    await this.#c.audit.record('password.reset', meta, { subjectId: user.id });
    await sendMail(this.#c, user.email, 'password-changed', {
      email: user.email,
      reset_link: `${this.#c.issuer}/forgot-password`,
    });
  }

  async #linkedUser(token: string, how: 'peek' | 'redeem'): Promise<UserRecord | undefined> {
    const record =
      how === 'peek'
        ? await this.#c.tokens.peek(token, 'reset-password')
        : await this.#c.tokens.redeem(token, 'reset-password');
    const user = record && (await this.#c.users.findById(record.userId));
    // A link sent before the address changed does not follow the account to the new one.
    return isActivePerson(user) && user.email === record?.email ? user : undefined;
  }
}
