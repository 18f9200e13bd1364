import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../secrets.ts';

/**
 * Recovery codes: ten single-use codes of 80 random bits each, shown once as `xxxx-xxxx-xxxx-xxxx`
 * (base32 without look-alikes). High entropy, so a plain SHA-256 at rest suffices: nobody can try
 * 2^80 guesses through a throttled endpoint or against a leaked table.
 */
export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export function generateRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    let code = '';
    for (const byte of randomBytes(16)) code += ALPHABET[byte & 31];
    return group(code);
  });
}

/** What the user typed, made canonical: case, spaces and dashes do not matter. */
export function normalizeRecoveryCode(input: string): string | null {
  const compact = input.toLowerCase().replace(/[\s-]/g, '');
  if (!/^[0-9a-hjkmnp-tv-z]{16}$/.test(compact)) return null;
  return group(compact);
}

function group(code: string): string {
  return (code.match(/.{4}/g) ?? []).join('-');
}

export function hashRecoveryCode(normalized: string): string {
  return sha256Hex(`gatehouse-recovery:${normalized}`);
}
