import type { RequestMeta } from '../audit-trail.ts';
import { GatehouseError } from '../errors.ts';
import type { UserRecord } from '../ports.ts';
import { type AccountFlowContext, accountLink, isActivePerson, minutes, sendMail } from './context.ts';

export const INVITATION_PATH = '/invitation';

const INVALID_LINK = 'The invitation is invalid or has expired.';

export interface Invitation {
  readonly user: UserRecord;
  readonly expiresAt: number;
}

/**
 * Invitations: an administrator invites an address with roles, whatever the registration mode.
 * The account exists at once, without a password; the emailed link lets the invitee choose one
 * (later also a passkey or a federated login), which also proves the address. Inviting again an
 * address whose account never set a password sends a new link and retires the old one.
 */
export class Invitations {
  readonly #c: AccountFlowContext;

  constructor(context: AccountFlowContext) {
    this.#c = context;
  }

  async invite(input: { email: string; roles?: readonly string[] }, meta: RequestMeta): Promise<Invitation> {
    const existing = await this.#c.accounts.findUser(input.email);
    let user: UserRecord;
    if (existing === undefined) {
      user = await this.#c.accounts.createUser({ email: input.email, roles: input.roles ?? [] }, meta);
    } else {
      const pending =
        existing.kind === 'user' && (await this.#c.credentials.getPasswordHash(existing.id)) === undefined;
      if (!pending)
        throw new GatehouseError('conflict', { detail: 'That email address is already registered.' });
      if (existing.disabled)
        throw new GatehouseError('conflict', {
          detail: 'That account is disabled: enable it before inviting it again.',
        });
      for (const role of input.roles ?? []) await this.#c.accounts.grantRole(existing.id, role, meta);
      user = existing;
    }
    const ttlMs = this.#c.lifetimes.invitationMs;
    const { token, record } = await this.#c.tokens.issue({
      purpose: 'invitation',
      userId: user.id,
      email: user.email,
      ttlMs,
      replace: true,
    });
    await sendMail(this.#c, user.email, 'invitation', {
      email: user.email,
      link: accountLink(this.#c, INVITATION_PATH, token),
      expires_in_minutes: minutes(ttlMs),
    });
    await this.#c.audit.record('invitation.sent', meta, {
      subjectId: user.id,
      details: { roles: [...(input.roles ?? [])].sort().join(' ') },
    });
    return { user, expiresAt: record.expiresAt };
  }

  /** The invited address, while the link is good (the page greets them); uses nothing up. */
  async peek(token: string): Promise<string | undefined> {
    return (await this.#linkedUser(token, 'peek'))?.email;
  }

  /** The invitee sets a password: the policy first, then the link is used up, the address verified. */
  async accept(token: string, password: string, meta: RequestMeta): Promise<UserRecord> {
    const candidate = await this.#linkedUser(token, 'peek');
    if (candidate === undefined) throw new GatehouseError('invalid_request', { detail: INVALID_LINK });
    await this.#c.accounts.checkPasswordFor(password, candidate);
    const user = await this.#linkedUser(token, 'redeem');
    if (user === undefined) throw new GatehouseError('invalid_request', { detail: INVALID_LINK });
    await this.#c.accounts.setPasswordByLink(user, password, 'invitation', meta);
    await this.#c.users.setEmailVerified(user.id, true, this.#c.clock.now());
    await this.#c.bus.publish({ type: 'user.changed', userId: user.id });
    await this.#c.audit.record('invitation.accepted', meta, { subjectId: user.id });
    return { ...user, emailVerified: true };
  }

  async #linkedUser(token: string, how: 'peek' | 'redeem'): Promise<UserRecord | undefined> {
    const record =
      how === 'peek'
        ? await this.#c.tokens.peek(token, 'invitation')
        : await this.#c.tokens.redeem(token, 'invitation');
    const user = record && (await this.#c.users.findById(record.userId));
    if (!isActivePerson(user) || user.email !== record?.email) return undefined;
    // An invitation only ever sets the first password: once the account has one, its link is dead.
    return (await this.#c.credentials.getPasswordHash(user.id)) === undefined ? user : undefined;
  }
}
