import type { RequestMeta } from '../audit-trail.ts';
import { canonicalEmail } from '../email.ts';
import { GatehouseError } from '../errors.ts';
import { normalizePassword } from '../password-policy.ts';
import { randomId } from '../secrets.ts';
import { type AccountFlowContext, sendMail } from './context.ts';
import type { EmailVerification } from './email-verification.ts';

/** `closed`: nobody signs up; `invite`: invitations only; `open`: anyone at an allowed domain. */
export type RegistrationMode = 'closed' | 'invite' | 'open';

export interface SignUpPolicy {
  mode: RegistrationMode;
  /** Lower-case domains whose addresses may sign up; empty: any domain. */
  domains: readonly string[];
}

export interface SignUpInput {
  email: string;
  password: string;
  /** Optional display name, kept as the profile's `name` and used in the emails. */
  name?: string | undefined;
}

/**
 * Self-service sign-up. It never reveals whether an address is taken: every acceptable request
 * gets the same answer before anything looks the address up, and the rest happens after the
 * response — a new account and its verification link, or for a taken address a "someone tried to
 * register" email to its owner. Both paths hash the password, so they cost the server the same.
 */
export class SignUp {
  readonly #c: AccountFlowContext;
  readonly #policy: SignUpPolicy;
  readonly #verification: EmailVerification;

  constructor(context: AccountFlowContext, policy: SignUpPolicy, verification: EmailVerification) {
    this.#c = context;
    this.#policy = policy;
    this.#verification = verification;
  }

  get mode(): RegistrationMode {
    return this.#policy.mode;
  }

  async register(input: SignUpInput, meta: RequestMeta): Promise<void> {
    if (this.#policy.mode !== 'open')
      throw new GatehouseError('forbidden', {
        detail: this.#policy.mode === 'invite' ? 'Sign-up is by invitation only.' : 'Sign-up is closed.',
      });
    const email = canonicalEmail(input.email);
    if (email === undefined)
      throw new GatehouseError('invalid_request', { detail: 'The email address is invalid.' });
    const domain = email.slice(email.lastIndexOf('@') + 1);
    if (this.#policy.domains.length > 0 && !this.#policy.domains.includes(domain))
      throw new GatehouseError('invalid_request', {
        detail: 'Sign-up is not open to addresses at that domain.',
      });
    const name = input.name?.trim();
    if (name !== undefined && (name.length > 100 || /\p{Cc}/u.test(name)))
      throw new GatehouseError('invalid_request', {
        detail: 'The name is too long or has control characters.',
      });
    await this.#c.accounts.checkPasswordFor(input.password, { email, kind: 'user' });
    await this.#c.throttle.attempt(email, meta.ip);
    const password = input.password;
    this.#c.deferred.run('sign-up', () => this.#complete(email, password, name || undefined, meta));
  }

  async #complete(
    email: string,
    password: string,
    name: string | undefined,
    meta: RequestMeta,
  ): Promise<void> {
    const hash = await this.#c.hasher.hash(normalizePassword(password));
    const existing = await this.#c.users.findByEmail(email);
    const now = this.#c.clock.now();
    // An address given up by an email change stays its old owner's while the undo link lives.
    const reserved =
      existing === undefined && (await this.#c.tokens.holderOf('undo-email-change', email)) !== undefined;
    const user =
      existing === undefined && !reserved
        ? await this.#c.users.create({ id: randomId(16), email, kind: 'user', now })
        : undefined;
    if (reserved) {
      await sendMail(this.#c, email, 'signup-existing-account', {
        email,
        sign_in_link: `${this.#c.issuer}/login`,
        reset_link: `${this.#c.issuer}/forgot-password`,
      });
      return;
    }
    if (user === undefined) {
      // Taken (or a look-alike of a taken address, whose owner we cannot name): tell the owner.
      if (existing !== undefined && existing.kind === 'user')
        await sendMail(this.#c, existing.email, 'signup-existing-account', {
          email: existing.email,
          sign_in_link: `${this.#c.issuer}/login`,
          reset_link: `${this.#c.issuer}/forgot-password`,
        });
      return;
    }
    await this.#c.credentials.setPasswordHash(user.id, hash, now);
    if (name !== undefined) await this.#c.accounts.updateProfile(user.id, { name }, meta, 'self');
    await this.#c.audit.record('user.signed_up', meta, { subjectId: user.id, details: { kind: 'user' } });
    await this.#verification.send(user, name === undefined ? {} : { name });
  }
}
