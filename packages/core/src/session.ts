import { randomId, randomToken, sha256Hex } from './secrets.ts';

/**
 * A server-side session. The client holds only `token` (256 random bits); the store keys the record
 * by `sha256(token)`, so a leaked database or Redis dump cannot be replayed as cookies. The record is
 * deliberately small: identity, expiry, how and when the user authenticated, client metadata.
 * Never permissions: those are resolved per request.
 */
export interface SessionRecord {
  /** sha256(token), hex: the storage key. */
  readonly idHash: string;
  /** Random, non-secret id shown to the user for listing and revocation. */
  readonly publicId: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly idleExpiresAt: number;
  readonly absoluteExpiresAt: number;
  readonly authMethod: SessionAuthMethod;
  readonly authTime: number;
  readonly ip: string;
  readonly userAgent: string;
}

/** How the session's user authenticated: the password alone, or with a second factor. */
export type SessionAuthMethod = 'password' | 'password+totp' | 'password+recovery_code';
export const SESSION_AUTH_METHODS: readonly SessionAuthMethod[] = [
  'password',
  'password+totp',
  'password+recovery_code',
];

/** RFC 8176 `amr` values for a session's method (`mfa` whenever a second factor was used). */
export function amrOf(method: SessionAuthMethod): string[] {
  if (method === 'password+totp') return ['pwd', 'otp', 'mfa'];
  if (method === 'password+recovery_code') return ['pwd', 'mfa'];
  return ['pwd'];
}

export interface SessionPolicy {
  /** Session ends after this long without a request. */
  idleTimeoutMs: number;
  /** Session ends this long after login, whatever the activity. */
  absoluteTimeoutMs: number;
}

export interface NewSessionInput {
  userId: string;
  now: number;
  ip: string;
  userAgent: string;
  authTime?: number;
  authMethod?: SessionAuthMethod;
}

export function hashSessionToken(token: string): string {
  return sha256Hex(token);
}

/** Session tokens are 43 base64url characters (32 bytes); anything else is not ours. */
export function isWellFormedSessionToken(token: string): boolean {
  return token.length === 43 && /^[A-Za-z0-9_-]+$/.test(token);
}

export function newSession(
  input: NewSessionInput,
  policy: SessionPolicy,
): { token: string; record: SessionRecord } {
  const token = randomToken(32);
  const record: SessionRecord = {
    idHash: hashSessionToken(token),
    publicId: randomId(12),
    userId: input.userId,
    createdAt: input.now,
    lastSeenAt: input.now,
    idleExpiresAt: Math.min(input.now + policy.idleTimeoutMs, input.now + policy.absoluteTimeoutMs),
    absoluteExpiresAt: input.now + policy.absoluteTimeoutMs,
    authMethod: input.authMethod ?? 'password',
    authTime: input.authTime ?? input.now,
    ip: truncate(input.ip, 64),
    userAgent: truncate(input.userAgent, 256),
  };
  return { token, record };
}

export type SessionCheck =
  | { status: 'valid'; record: SessionRecord; renewal?: { lastSeenAt: number; idleExpiresAt: number } }
  | { status: 'expired' };

/**
 * Decides whether a stored session is still valid at `now`, and whether to renew its idle expiry.
 * Renewal is written only when a quarter of the idle window has passed since the last write, so a
 * busy session does not cost a write per request; the price is that a session may end up to a
 * quarter of the idle timeout early, never late.
 */
export function checkSession(record: SessionRecord, now: number, policy: SessionPolicy): SessionCheck {
  if (now >= record.absoluteExpiresAt || now >= record.idleExpiresAt) return { status: 'expired' };
  if (now - record.lastSeenAt < policy.idleTimeoutMs / 4) return { status: 'valid', record };
  const idleExpiresAt = Math.min(now + policy.idleTimeoutMs, record.absoluteExpiresAt);
  return { status: 'valid', record, renewal: { lastSeenAt: now, idleExpiresAt } };
}

function truncate(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}
