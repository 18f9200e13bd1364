import type { RequestMeta } from '../audit-trail.ts';
import { canonicalEmail } from '../email.ts';
import { GatehouseError } from '../errors.ts';
import type { UserRecord } from '../ports.ts';
import { type AccountFlowContext, accountLink, isActivePerson, minutes, sendMail } from './context.ts';

export const VERIFY_EMAIL_PATH = '/verify-email';

/**
 * Email verification: a single-use link to the account's address proves the owner receives mail
 * there, and sets `email_verified` (in /account, the admin API, ID tokens and userinfo, and the
 * subject attribute policies can require). A new link replaces the previous one.
 */
export class EmailVerification {
  readonly #c: AccountFlowContext;

  constructor(context: AccountFlowContext) {
    this.#c = context;
  }

  /** Issues a link for the user's current address and enqueues it (sign-up, the account page). */
  async send(user: UserRecord, values: { name?: string } = {}): Promise<void> {
    const ttlMs = this.#c.lifetimes.verifyEmailMs;
    const { token } = await this.#c.tokens.issue({
      purpose: 'verify-email',
      userId: user.id,
      email: user.email,
      ttlMs,
      replace: true,
    });
    const code = await this.#c.tokens.issueCode({
      purpose: 'verify-email',
      userId: user.id,
      email: user.email,
      ttlMs,
    });
    await sendMail(this.#c, user.email, 'verify-email', {
      code,
      // The greeting: the name given at sign-up (user-controlled: the renderer escapes it), else the address.
      name: values.name ?? user.email,
      email: user.email,
      link: accountLink(this.#c, VERIFY_EMAIL_PATH, token),
      expires_in_minutes: minutes(ttlMs),
    });
  }

  /**
   * The public "send me the link again": throttled per address and client, the same answer for
   * every address; only an active, unverified account gets an email, after the response.
   */
  async resend(rawEmail: string, meta: RequestMeta): Promise<void> {
    const email = canonicalEmail(rawEmail);
    if (email === undefined)
      throw new GatehouseError('invalid_request', { detail: 'The email address is invalid.' });
    await this.#c.throttle.attempt(email, meta.ip);
    this.#c.deferred.run('resend verification', async () => {
      const user = await this.#c.users.findByEmail(email);
      if (isActivePerson(user) && !user.emailVerified) await this.send(user);
    });
  }

  /** The signed-in user asks for a new link to their own address (throttled like the public one). */
  async resendOwn(user: UserRecord, meta: RequestMeta): Promise<void> {
    if (user.emailVerified)
      throw new GatehouseError('invalid_request', { detail: 'The address is already verified.' });
    await this.#c.throttle.attempt(user.email, meta.ip);
    await this.send(user);
  }

  /** Uses the link up and marks the address verified; refused if the address changed since. */
  async verify(token: string, meta: RequestMeta): Promise<UserRecord> {
    const record = await this.#c.tokens.redeem(token, 'verify-email');
    const user = record && (await this.#c.users.findById(record.userId));
    if (record === undefined || !isActivePerson(user) || user.email !== record.email)
      throw new GatehouseError('invalid_request', { detail: 'The link is invalid or has expired.' });
    return this.#verified(user, meta);
  }

  /**
   * The six-digit code from the same email, typed with the address. Guesses are limited per
   * address (known or not, alike), and the answer for a wrong code, an unknown address and a
   * verified one is the same.
   */
  async verifyCode(rawEmail: string, code: string, meta: RequestMeta): Promise<UserRecord> {
    const email = canonicalEmail(rawEmail);
    if (email === undefined)
      throw new GatehouseError('invalid_request', { detail: 'The email address is invalid.' });
    await this.#c.throttle.attemptCode(email);
    const user = await this.#c.users.findByEmail(email);
    const record = await this.#c.tokens.redeemCode(user?.id ?? 'nobody', code, 'verify-email');
    if (record === undefined || !isActivePerson(user) || user.email !== record.email)
      throw new GatehouseError('invalid_request', { detail: 'The code is invalid or has expired.' });
    return this.#verified(user, meta);
  }

  async #verified(user: UserRecord, meta: RequestMeta): Promise<UserRecord> {
    // The link and the code come in one email: using either retires the other.
    await this.#c.tokens.revoke(user.id, 'verify-email');
    await this.#c.users.setEmailVerified(user.id, true, this.#c.clock.now());
    await this.#c.bus.publish({ type: 'user.changed', userId: user.id });
    await this.#c.audit.record('email.verified', meta, { subjectId: user.id });
    return { ...user, emailVerified: true };
  }
}
