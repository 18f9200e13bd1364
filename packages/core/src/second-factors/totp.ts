import { Secret, TOTP } from 'otpauth';

/**
 * TOTP as RFC 6238 and every authenticator app do it: SHA-1, 6 digits, 30-second steps, and a
 * window of one step either side for clock drift. `verifyTotp` returns the time-step the code
 * belongs to so the store can refuse it a second time (replay).
 */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
const WINDOW = 1;

/** A fresh 160-bit secret, base32 (what the manual-entry key shows). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secretBase32: string, issuer: string, label: string): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** The `otpauth://totp/...` URI an authenticator app scans. */
export function totpUri(secretBase32: string, issuer: string, account: string): string {
  return totp(secretBase32, issuer, account).toString();
}

/** The code for `now` (tests, and the RFC 6238 vectors). */
export function totpCode(secretBase32: string, now: number): string {
  return totp(secretBase32, 'gatehouse', 'x').generate({ timestamp: now });
}

/** The time-step a correct code belongs to (within ±1 step of `now`), or null. */
export function verifyTotp(secretBase32: string, code: string, now: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secretBase32, 'gatehouse', 'x').validate({
    token: code,
    timestamp: now,
    window: WINDOW,
  });
  if (delta === null) return null;
  return Math.floor(now / 1000 / TOTP_PERIOD_SECONDS) + delta;
}
