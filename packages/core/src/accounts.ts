import type { AuditTrail, RequestMeta } from './audit-trail.ts';
import type { Clock } from './clock.ts';
import type { CompromisedPasswordCheck } from './compromised-passwords.ts';
import { canonicalEmail } from './email.ts';
import { GatehouseError } from './errors.ts';
import type { LifecycleEvents } from './lifecycle-events.ts';
import type { ThrottleRule } from './login-throttle.ts';
import {
  checkPassword,
  normalizePassword,
  type PasswordPolicyOptions,
  passwordRefusal,
} from './password-policy.ts';
import { isValidPermission } from './permissions.ts';
import type {
  CounterStore,
  CredentialRepository,
  IdentityKind,
  InvalidationBus,
  PasswordHasher,
  RoleRecord,
  RoleRepository,
  UserProfileRepository,
  UserRecord,
  UserRepository,
} from './ports.ts';
import { randomId } from './secrets.ts';
import type { SessionRecord } from './session.ts';
import type { SessionManager } from './session-manager.ts';
import { parseUserProfile, type UserProfile } from './user-profile.ts';

/** Re-authentication attempts per user: ten per quarter hour, right or wrong. */
export const defaultReauthenticationRule: ThrottleRule = { limit: 10, windowMs: 15 * 60_000 };

export interface AccountsOptions {
  users: UserRepository;
  profiles: UserProfileRepository;
  credentials: CredentialRepository;
  roles: RoleRepository;
  hasher: PasswordHasher;
  sessions: SessionManager;
  bus: InvalidationBus;
  audit: AuditTrail;
  clock: Clock;
  passwordPolicy: PasswordPolicyOptions;
  /** Lists of breached and common passwords a new password must not be on (after the policy's rules). */
  compromisedPasswords?: CompromisedPasswordCheck;
  /**
   * Where re-authentications (the current password asked again) are counted, per user: whoever
   * holds a stolen session must not get unlimited guesses at the password behind it.
   */
  reauthentication?: { counters: CounterStore; rule: ThrottleRule };
  /**
   * Where `UserDisabled`, `UserDeleted`, `PasswordChanged` and `AccessChanged` are published for
   * what hangs off identities elsewhere (tokens, grants, API keys, guards' caches). Awaited at
   * each step it names: a subscriber's failure fails the operation there.
   */
  events?: LifecycleEvents;
}

const ROLE_NAME = /^[a-z][a-z0-9_.-]{0,63}$/;

/** Managing identities and their roles: the administrative side of both questions. */
export class Accounts {
  readonly #o: AccountsOptions;

  constructor(options: AccountsOptions) {
    this.#o = options;
  }

  /**
   * The one password rule book. Every path that sets a password (creation, the first admin from
   * the environment, the user's own change, an administrator's set) comes here with the account
   * it is for, so no path can check less than another. Returns the hash to store.
   */
  async #acceptPassword(password: string, account: { email: string; kind: IdentityKind }): Promise<string> {
    return this.#o.hasher.hash(await this.#checkPassword(password, account));
  }

  /** The rule book itself: throws the refusal, or returns the normalized password. */
  async #checkPassword(password: string, account: { email: string; kind: IdentityKind }): Promise<string> {
    if (account.kind !== 'user')
      throw new GatehouseError('invalid_request', { detail: 'Service accounts cannot have a password.' });
    const verdict = checkPassword(password, this.#o.passwordPolicy, { email: account.email });
    if (!verdict.ok)
      throw new GatehouseError('password_policy', {
        detail: passwordRefusal(verdict.reason, this.#o.passwordPolicy),
      });
    if (await this.#o.compromisedPasswords?.isCompromised(verdict.normalized))
      throw new GatehouseError('password_policy', {
        detail: passwordRefusal('breached', this.#o.passwordPolicy),
      });
    return verdict.normalized;
  }

  /** Replaces an existing user's password; what was signed in or delegated on the old one ends. */
  async #replacePassword(
    user: UserRecord,
    password: string,
    by: 'self' | 'admin' | 'reset' | 'invitation',
    meta: RequestMeta | undefined,
  ): Promise<void> {
    const hash = await this.#acceptPassword(password, user);
    await this.#o.credentials.setPasswordHash(user.id, hash, this.#o.clock.now());
    await this.#o.sessions.endAll(user.id);
    await this.#o.events?.publish({ type: 'PasswordChanged', userId: user.id });
    await this.#o.audit.record('password.changed', meta, { subjectId: user.id, details: { by } });
  }

  async createUser(
    input: { email: string; password?: string; kind?: IdentityKind; roles?: readonly string[] },
    meta?: RequestMeta,
  ): Promise<UserRecord> {
    const email = canonicalEmail(input.email);
    if (email === undefined)
      throw new GatehouseError('invalid_request', { detail: 'The email address is invalid.' });
    const kind = input.kind ?? 'user';
    for (const role of input.roles ?? []) {
      if ((await this.#o.roles.get(role)) === undefined) {
        throw new GatehouseError('invalid_request', { detail: `Unknown role: ${role}` });
      }
    }
    const hash =
      input.password === undefined ? undefined : await this.#acceptPassword(input.password, { email, kind });
    const now = this.#o.clock.now();
    const user = await this.#o.users.create({ id: randomId(16), email, kind, now });
    if (user === undefined)
      throw new GatehouseError('conflict', { detail: 'That email address is already registered.' });
    if (hash !== undefined) await this.#o.credentials.setPasswordHash(user.id, hash, now);
    await this.#o.audit.record('user.created', meta, { subjectId: user.id, details: { kind: user.kind } });
    for (const role of input.roles ?? []) await this.grantRole(user.id, role, meta);
    return user;
  }

  async findUser(idOrEmail: string): Promise<UserRecord | undefined> {
    const email = canonicalEmail(idOrEmail);
    if (email !== undefined) return this.#o.users.findByEmail(email);
    return this.#o.users.findById(idOrEmail);
  }

  async requireUser(idOrEmail: string): Promise<UserRecord> {
    const user = await this.findUser(idOrEmail);
    if (user === undefined) throw new GatehouseError('not_found', { detail: 'No such user.' });
    return user;
  }

  listUsers(options: { limit: number; offset: number }): Promise<UserRecord[]> {
    return this.#o.users.list(options);
  }

  /** A user's profile (OpenID Connect standard claims); empty when none was set. */
  async profileOf(userId: string): Promise<UserProfile> {
    return this.#o.profiles.get(userId);
  }

  /**
   * Replaces a user's profile after validating it (`parseUserProfile`). The audit event names the
   * claims that changed, never their values: a profile is personal data. `by: 'self'` is the user
   * editing their own: they cannot vouch for their own phone number — `phone_number_verified` is
   * an administrator's statement, kept while the number stays the same and dropped when it changes.
   */
  async updateProfile(
    userId: string,
    input: unknown,
    meta?: RequestMeta,
    by: 'self' | 'admin' = 'admin',
  ): Promise<UserProfile> {
    let profile = parseUserProfile(input);
    const user = await this.#o.users.findById(userId);
    if (user === undefined || user.kind !== 'user')
      throw new GatehouseError('not_found', { detail: 'No such user.' });
    const before = await this.#o.profiles.get(userId);
    if (by === 'self') {
      if (
        profile.phone_number_verified !== undefined &&
        profile.phone_number_verified !== before.phone_number_verified
      )
        throw new GatehouseError('invalid_request', {
          detail: 'phone_number_verified is set by an administrator.',
        });
      const { phone_number_verified: _claimed, ...rest } = profile;
      profile =
        rest.phone_number !== undefined &&
        rest.phone_number === before.phone_number &&
        before.phone_number_verified !== undefined
          ? { ...rest, phone_number_verified: before.phone_number_verified }
          : rest;
    }
    if (!(await this.#o.profiles.set(userId, profile, this.#o.clock.now())))
      throw new GatehouseError('not_found', { detail: 'No such user.' });
    const changed = [...new Set([...Object.keys(before), ...Object.keys(profile)])].filter(
      (claim) =>
        JSON.stringify(before[claim as keyof UserProfile]) !==
        JSON.stringify(profile[claim as keyof UserProfile]),
    );
    await this.#o.audit.record('user.profile_updated', meta, {
      subjectId: userId,
      details: { claims: changed.sort().join(' ') },
    });
    return profile;
  }

  /** Disabling ends every session of the user at once, on every node. */
  async setDisabled(userId: string, disabled: boolean, meta?: RequestMeta): Promise<void> {
    const found = await this.#o.users.setDisabled(userId, disabled, this.#o.clock.now());
    if (!found) throw new GatehouseError('not_found', { detail: 'No such user.' });
    if (disabled) {
      await this.#o.sessions.endAll(userId);
      await this.#o.events?.publish({ type: 'UserDisabled', userId });
    }
    await this.#o.bus.publish({ type: 'user.changed', userId });
    await this.#o.events?.publish({ type: 'AccessChanged', subject: userId });
    await this.#o.audit.record(disabled ? 'user.disabled' : 'user.enabled', meta, { subjectId: userId });
  }

  /**
   * Deletes a user. First nothing new can start (disabled), then everything issued to them ends
   * where others may hold it — sessions on every node, refresh tokens and access tokens through
   * the revocation feed, OAuth grants, API keys (`UserDeleted`) — and only then the identity goes, with
   * what the store keeps under it. A service account is deleted as one, not here.
   */
  async deleteUser(userId: string, meta?: RequestMeta): Promise<void> {
    const user = await this.#o.users.findById(userId);
    if (user === undefined || user.kind !== 'user')
      throw new GatehouseError('not_found', { detail: 'No such user.' });
    const roles = await this.#o.roles.rolesOf(userId);
    await this.#o.users.setDisabled(userId, true, this.#o.clock.now());
    await this.#o.sessions.endAll(userId);
    await this.#o.events?.publish({ type: 'UserDeleted', userId, meta });
    if (!(await this.#o.users.delete(userId)))
      throw new GatehouseError('not_found', { detail: 'No such user.' });
    await this.#o.bus.publish({ type: 'user.changed', userId });
    await this.#o.events?.publish({ type: 'AccessChanged', subject: userId });
    await this.#o.audit.record('user.deleted', meta, {
      subjectId: userId,
      details: { roles: roles.join(' ') },
    });
  }

  /** Tells every node and guard to drop what they cached of the identity (its access changed). */
  async notifyChanged(userId: string): Promise<void> {
    await this.#o.bus.publish({ type: 'user.changed', userId });
    await this.#o.events?.publish({ type: 'AccessChanged', subject: userId });
  }

  /**
   * Throws `password_policy` unless `password` is acceptable for the account, without hashing or
   * storing anything: a flow checks before it uses up the single-use token that allows the change.
   */
  async checkPasswordFor(password: string, account: { email: string; kind: IdentityKind }): Promise<void> {
    await this.#checkPassword(password, account);
  }

  /**
   * Sets the password a reset link or an invitation allowed: the same rule book and the same
   * consequences as any other change (sessions, refresh families and grants end).
   */
  async setPasswordByLink(
    user: UserRecord,
    password: string,
    by: 'reset' | 'invitation',
    meta?: RequestMeta,
  ): Promise<void> {
    await this.#replacePassword(user, password, by, meta);
  }

  /** Sets a password without knowing the old one (admin API, CLI); ends the user's sessions and grants. */
  async setPassword(userId: string, password: string, meta?: RequestMeta): Promise<void> {
    const user = await this.#o.users.findById(userId);
    if (user === undefined) throw new GatehouseError('not_found', { detail: 'No such user.' });
    await this.#replacePassword(user, password, 'admin', meta);
  }

  /**
   * The user changes their own password. The current password is required (re-authentication);
   * every session of the user ends, and the caller gets a fresh session (new id, no fixation).
   */
  async changeOwnPassword(
    input: { user: UserRecord; currentPassword: string; newPassword: string },
    meta: RequestMeta & { userAgent: string },
  ): Promise<{ token: string; record: SessionRecord }> {
    await this.verifyCurrentPassword(input.user.id, input.currentPassword);
    await this.#replacePassword(input.user, input.newPassword, 'self', meta);
    return this.#o.sessions.start({ userId: input.user.id, ip: meta.ip, userAgent: meta.userAgent });
  }

  /**
   * Re-authentication: the signed-in user's current password, asked again before a sensitive change
   * (password, email address, second factors). Every attempt counts against the user's budget
   * before the hash is checked (atomically, so parallel guesses cannot slip past it); over it, the
   * answer is `too_many_requests` whatever the password. A wrong one is `invalid_credentials`.
   */
  async verifyCurrentPassword(userId: string, password: string): Promise<void> {
    const throttle = this.#o.reauthentication;
    if (throttle !== undefined) {
      const now = this.#o.clock.now();
      const { count, resetAt } = await throttle.counters.increment(
        `reauth:${userId}`,
        throttle.rule.windowMs,
        now,
      );
      if (count > throttle.rule.limit)
        throw new GatehouseError('too_many_requests', {
          detail: 'Too many attempts at the current password. Try again later.',
          retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
        });
    }
    const stored = await this.#o.credentials.getPasswordHash(userId);
    const ok = stored !== undefined && (await this.#o.hasher.verify(stored, normalizePassword(password)));
    if (!ok)
      throw new GatehouseError('invalid_credentials', { detail: 'The current password is incorrect.' });
  }

  async upsertRole(
    input: { name: string; description?: string; permissions: readonly string[] },
    meta?: RequestMeta,
  ): Promise<RoleRecord> {
    if (!ROLE_NAME.test(input.name)) {
      throw new GatehouseError('invalid_request', {
        detail: 'Role names are lower-case letters, digits, . _ -',
      });
    }
    const invalid = input.permissions.filter((p) => !isValidPermission(p));
    if (invalid.length > 0) {
      throw new GatehouseError('invalid_request', {
        detail: `Invalid permission: ${invalid[0]} (use resource:action)`,
      });
    }
    const before = await this.#o.roles.get(input.name);
    const role = await this.#o.roles.upsert({
      name: input.name,
      description: input.description ?? before?.description ?? '',
      permissions: [...new Set(input.permissions)].sort(),
      now: this.#o.clock.now(),
    });
    await this.#o.bus.publish({ type: 'roles.changed' });
    await this.#o.events?.publish({ type: 'AccessChanged', subject: '*' });
    await this.#o.audit.record('role.upserted', meta, {
      subjectId: role.name,
      details: {
        before: before ? before.permissions.join(' ') : null,
        after: role.permissions.join(' '),
        description_before: before ? before.description : null,
        description_after: role.description,
      },
    });
    return role;
  }

  listRoles(): Promise<RoleRecord[]> {
    return this.#o.roles.list();
  }

  async deleteRole(name: string, meta?: RequestMeta): Promise<void> {
    const before = await this.#o.roles.get(name);
    if (!(await this.#o.roles.delete(name)))
      throw new GatehouseError('not_found', { detail: 'No such role.' });
    await this.#o.bus.publish({ type: 'roles.changed' });
    await this.#o.events?.publish({ type: 'AccessChanged', subject: '*' });
    await this.#o.audit.record('role.deleted', meta, {
      subjectId: name,
      details: { before: before ? before.permissions.join(' ') : null, after: null },
    });
  }

  async grantRole(userId: string, roleName: string, meta?: RequestMeta): Promise<boolean> {
    if ((await this.#o.roles.get(roleName)) === undefined) {
      throw new GatehouseError('not_found', { detail: 'No such role.' });
    }
    if ((await this.#o.users.findById(userId)) === undefined) {
      throw new GatehouseError('not_found', { detail: 'No such user.' });
    }
    const before = await this.#o.roles.rolesOf(userId);
    const granted = await this.#o.roles.grant(userId, roleName, this.#o.clock.now());
    await this.#o.bus.publish({ type: 'user.changed', userId });
    if (granted) await this.#o.events?.publish({ type: 'AccessChanged', subject: userId });
    if (granted)
      await this.#o.audit.record('role.granted', meta, {
        subjectId: userId,
        details: { role: roleName, before: before.join(' '), after: [...before, roleName].sort().join(' ') },
      });
    return granted;
  }

  async revokeRole(userId: string, roleName: string, meta?: RequestMeta): Promise<boolean> {
    const before = await this.#o.roles.rolesOf(userId);
    const revoked = await this.#o.roles.revoke(userId, roleName);
    await this.#o.bus.publish({ type: 'user.changed', userId });
    if (revoked) await this.#o.events?.publish({ type: 'AccessChanged', subject: userId });
    if (revoked)
      await this.#o.audit.record('role.revoked', meta, {
        subjectId: userId,
        details: {
          role: roleName,
          before: before.join(' '),
          after: before.filter((r) => r !== roleName).join(' '),
        },
      });
    return revoked;
  }

  rolesOf(userId: string): Promise<string[]> {
    return this.#o.roles.rolesOf(userId);
  }
}
