import type { AuditTrail, RequestMeta } from './audit-trail.ts';
import type { Clock } from './clock.ts';
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
  audit: AuditTrail;
  clock: Clock;
  /** A hash of a random password made with the current parameters, verified for unknown users. */
  dummyHash: string;
}

/**
 * Password verification, generic and constant-time: unknown user, wrong password, disabled or
 * non-login account all fail with the same error after the same work (one argon2 verification).
 * The account state is looked at only after the hash has run.
 */
export class Authenticator {
  readonly #o: AuthenticatorOptions;

  constructor(options: AuthenticatorOptions) {
    this.#o = options;
  }

  async verifyPassword(email: string, password: string, meta: RequestMeta): Promise<UserRecord> {
    if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES || email.length > 320) {
      throw new GatehouseError('invalid_request', { detail: 'The email or password is too long.' });
    }
    const account = canonicalEmail(email) ?? email.normalize('NFC').trim().toLowerCase();
    const verdict = await this.#o.throttle.attempt(account, meta.ip);
    if (!verdict.allowed) {
      await this.#o.audit.record('login.throttled', meta, {
        details: { retry_after_ms: verdict.retryAfterMs },
      });
      throw new GatehouseError('too_many_requests', {
        detail: 'Too many login attempts. Try again later.',
        retryAfterSeconds: Math.ceil(verdict.retryAfterMs / 1000),
      });
    }
    const user = await this.#o.users.findByEmail(account);
    const stored = user === undefined ? undefined : await this.#o.credentials.getPasswordHash(user.id);
    const normalized = normalizePassword(password);
    const matches = await this.#o.hasher.verify(stored ?? this.#o.dummyHash, normalized);
    if (user === undefined || stored === undefined || !matches || user.disabled || user.kind !== 'user') {
      await this.#o.audit.record('login.failed', meta, {
        subjectId: user?.id ?? null,
        details: { reason: failureReason(user, stored, matches) },
      });
      throw new GatehouseError('invalid_credentials', { detail: 'Invalid email or password.' });
    }
    await this.#o.throttle.succeeded(account, meta.ip);
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
