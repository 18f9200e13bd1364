import { describe, expect, it } from 'vitest';
import {
  generateRecoveryCodes,
  hashRecoveryCode,
  newTotpSecret,
  normalizeRecoveryCode,
  totpCode,
  totpUri,
  verifyTotp,
} from '../src/index.ts';

/** RFC 6238 Appendix B, SHA-1 seed "12345678901234567890" (base32 below); 6-digit codes are the last 6. */
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_VECTORS: readonly [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  it('computes the RFC 6238 SHA-1 test vectors (six digits)', () => {
    for (const [seconds, code] of RFC_VECTORS)
      expect(totpCode(RFC_SECRET, seconds * 1000)).toBe(code.slice(2));
  });

  it('accepts a code within one step either side and names its step', () => {
    const now = 1_234_567_890_000;
    const step = Math.floor(now / 30_000);
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, now), now)).toBe(step);
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, now - 30_000), now)).toBe(step - 1);
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, now + 30_000), now)).toBe(step + 1);
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, now - 60_000), now)).toBeNull();
    expect(verifyTotp(RFC_SECRET, totpCode(RFC_SECRET, now + 60_000), now)).toBeNull();
  });

  it('refuses anything but six digits', () => {
    const now = 1_234_567_890_000;
    const code = totpCode(RFC_SECRET, now);
    for (const bad of ['', `${code}0`, code.slice(1), ` ${code}`, 'abcdef'])
      expect(verifyTotp(RFC_SECRET, bad, now)).toBeNull();
  });

  it('makes 160-bit secrets and an otpauth URI apps scan', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
    const uri = new URL(totpUri(secret, 'Gatehouse', 'ada@example.test'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('period')).toBe('30');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('algorithm')).toBe('SHA1');
  });
});

describe('recovery codes', () => {
  it('makes ten distinct codes that normalize to themselves', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) {
      expect(code).toMatch(/^([0-9a-z]{4}-){3}[0-9a-z]{4}$/);
      expect(normalizeRecoveryCode(code.toUpperCase().replaceAll('-', ' '))).toBe(code);
    }
  });

  it('refuses malformed input and hashes canonical codes', () => {
    expect(normalizeRecoveryCode('abcd-efgh')).toBeNull();
    expect(normalizeRecoveryCode('iiii-llll-oooo-uuuu')).toBeNull();
    const [code = ''] = generateRecoveryCodes();
    expect(hashRecoveryCode(code)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode(code)).not.toBe(hashRecoveryCode(generateRecoveryCodes()[0] ?? ''));
  });
});
