import type { AuditTrail, RequestMeta } from './audit-trail.ts';
import type { Clock } from './clock.ts';
import type { DeviceCookies } from './device-cookies.ts';
import { canonicalEmail } from './email.ts';
import { GatehouseError } from './errors.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { MAX_PASSWORD_BYTES, normalizePassword } from './password-policy.ts';
import type { CredentialRepository, PasswordHasher, UserRecord, UserRepository } from './ports.ts';

export interface AuthenticatorOptions {
  users: UserRepository;
  credentials: CredentialRepository;
  hasher: PasswordHasher;
  throttle: LoginThrottle;
  /** Judges the device cookie an attempt presents (trusted devices have their own limit). */
  devices: DeviceCookies;
  audit: AuditTrail;
  clock: Clock;
  /** A hash of a random password made with the current parameters, verified for unknown users. */
  dummyHash: string;
}

/**
 * Password verification, generic and constant-time: unknown user, wrong password, disabled or
 * non-login account all fail with the same error after the same work (one argon2 verification).
 * The account state is looked at only after the hash has run.
 *
 * An attempt with a device cookie genuine for the account it names counts against that device
 * only; every other attempt against the account, the IP and both (see `LoginThrottle`).
 */
export class Authenticator {
  readonly #o: AuthenticatorOptions;

  constructor(options: AuthenticatorOptions) {
    this.#o = options;
  }

  /** `deviceCookie`: the device cookie's value as the client sent it, if any. */
  async verifyPassword(
    email: string,
    password: string,
    meta: RequestMeta,
    deviceCookie?: string,
  ): Promise<UserRecord> {
    if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES || email.length > 320) {
      throw new GatehouseError('invalid_request', { detail: 'The email or password is too long.' });
    }
    const account = canonicalEmail(email) ?? email.normalize('NFC').trim().toLowerCase();
    // A device cookie is judged against the user the attempt names, so that user is looked up
    // first — for unknown accounts too, with the same MACs (no hint whether the account exists).
    // Attempts without a well-formed cookie keep the order throttle → lookup.
    const early = this.#o.devices.worthChecking(deviceCookie)
      ? { user: await this.#o.users.findByEmail(account) }
      : undefined;
    const deviceNonce =
      early === undefined ? undefined : this.#o.devices.trustedNonce(deviceCookie, early.user?.id ?? '');
    const verdict =
      deviceNonce === undefined
        ? await this.#o.throttle.attempt(account, meta.ip)
        : await this.#o.throttle.attemptFromDevice(deviceNonce);
    const trusted = deviceNonce === undefined ? {} : { trusted_device: true };
    if (!verdict.allowed) {
      await this.#o.audit.record('login.throttled', meta, {
        details: { retry_after_ms: verdict.retryAfterMs, ...trusted },
      });
      throw new GatehouseError('too_many_requests', {
        detail: 'Too many login attempts. Try again later.',
        retryAfterSeconds: Math.ceil(verdict.retryAfterMs / 1000),
      });
    }
    const user = early === undefined ? await this.#o.users.findByEmail(account) : early.user;
    const stored = user === undefined ? undefined : await this.#o.credentials.getPasswordHash(user.id);
    const normalized = normalizePassword(password);
    const matches = await this.#o.hasher.verify(stored ?? this.#o.dummyHash, normalized);
    if (user === undefined || stored === undefined || !matches || user.disabled || user.kind !== 'user') {
      await this.#o.audit.record('login.failed', meta, {
        subjectId: user?.id ?? null,
        details: { reason: failureReason(user, stored, matches), ...trusted },
      });
      throw new GatehouseError('invalid_credentials', { detail: 'Invalid email or password.' });
    }
    await this.#o.throttle.succeeded(account, meta.ip, deviceNonce);
    if (this.#o.hasher.needsRehash(stored)) {
      await this.#o.credentials.setPasswordHash(
        user.id,
        await this.#o.hasher.hash(normalized),
        this.#o.clock.now(),
      );
    }
    return user;
  }
}

/** For the audit log only; never sent to the client. */
function failureReason(user: UserRecord | undefined, stored: string | undefined, matches: boolean): string {
  if (user === undefined) return 'unknown_user';
  if (stored === undefined) return 'no_password';
  if (!matches) return 'wrong_password';
  if (user.disabled) return 'disabled';
  return 'not_a_login_account';
}
