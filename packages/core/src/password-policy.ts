import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * NIST SP 800-63B-4 §3.1.1.2 verifier rules: length only (counted in code points after
 * normalisation), a blocklist of common, sequential and context-specific values, no composition
 * rules, no forced rotation.
 */
export interface PasswordPolicyOptions {
  /** Minimum length in code points. 15 for password-only accounts; never below 8. */
  minLength: number;
  /** Maximum length in code points; at least 64. */
  maxLength: number;
}

export const defaultPasswordPolicy: PasswordPolicyOptions = { minLength: 15, maxLength: 256 };

/** Anything longer than this many UTF-8 bytes is refused before any work (no hashing of megabytes). */
export const MAX_PASSWORD_BYTES = 4096;

export type PasswordVerdict =
  | { ok: true; normalized: string }
  | { ok: false; reason: 'too_short' | 'too_long' | 'common' | 'context' | 'breached' };

export const passwordReasonText: Record<Exclude<PasswordVerdict, { ok: true }>['reason'], string> = {
  too_short: 'The password is too short.',
  too_long: 'The password is too long.',
  common: 'The password is commonly used or guessable; choose another.',
  context: 'The password contains your email address or the service name; choose another.',
  breached: 'The password appears in lists of passwords known to attackers; choose another.',
};

/** The reason with the rule behind it, so that whoever set the password knows what to change. */
export function passwordRefusal(
  reason: Exclude<PasswordVerdict, { ok: true }>['reason'],
  policy: PasswordPolicyOptions,
): string {
  if (reason === 'too_short')
    return `The password is too short: at least ${Math.max(8, policy.minLength)} characters.`;
  if (reason === 'too_long')
    return `The password is too long: at most ${Math.max(64, policy.maxLength)} characters.`;
  return passwordReasonText[reason];
}

/** NFKC so that visually identical input (composed or decomposed, full-width) logs in the same way. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

const common = new Set(dictionary.passwords.map((p) => p.toLowerCase()));
const SEQUENCES = [
  'abcdefghijklmnopqrstuvwxyz',
  '0123456789',
  'qwertyuiop',
  'asdfghjkl',
  'zxcvbnm',
  'azertyuiop',
  'qwertzuiop',
  '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p',
];

function isInSequence(chunk: string): boolean {
  return SEQUENCES.some((seq) => {
    const doubled = seq + seq;
    const reversed = [...doubled].reverse().join('');
    return doubled.includes(chunk) || reversed.includes(chunk);
  });
}

/** True when the value is made only of keyboard/alphabet/digit runs (each ≥ 3) or repeated characters. */
function isSequential(value: string): boolean {
  let i = 0;
  while (i < value.length) {
    let best = 0;
    for (let end = value.length; end >= i + 3; end--) {
      const chunk = value.slice(i, end);
      if (isInSequence(chunk) || /^(.)\1+$/u.test(chunk)) {
        best = end - i;
        break;
      }
    }
    if (best === 0) return false;
    i += best;
  }
  return true;
}

/** Strips leading/trailing digits, punctuation, symbols and spaces (Unicode-aware: letters of any script stay). */
function stripDecoration(value: string): string {
  return value.replace(/^[\p{N}\p{P}\p{S}\s]+|[\p{N}\p{P}\p{S}\s]+$/gu, '');
}

function isCommon(lowered: string): boolean {
  const squeezed = lowered.replace(/\s+/gu, '');
  if (common.has(lowered) || common.has(squeezed)) return true;
  const core = stripDecoration(squeezed);
  if (core.length === 0 || common.has(core)) return true;
  // The same short word repeated ("passwordpassword").
  const repeated = /^(.{1,8}?)\1+$/u.exec(squeezed);
  if (repeated?.[1] !== undefined && common.has(repeated[1])) return true;
  return isSequential(squeezed);
}

export interface PasswordContext {
  email?: string;
  /** Extra words specific to this deployment (the service name is always included). */
  words?: readonly string[];
}

export function checkPassword(
  password: string,
  policy: PasswordPolicyOptions,
  context: PasswordContext = {},
): PasswordVerdict {
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return { ok: false, reason: 'too_long' };
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  if (length < Math.max(8, policy.minLength)) return { ok: false, reason: 'too_short' };
  if (length > Math.max(64, policy.maxLength)) return { ok: false, reason: 'too_long' };
  const lowered = normalized.toLowerCase();
  if (isCommon(lowered)) return { ok: false, reason: 'common' };
  const words = ['gatehouse', ...(context.words ?? [])];
  // The whole address always; its local part alone only from 4 characters: short ones ("you",
  // "al") would refuse ordinary words that merely contain them.
  if (context.email !== undefined) words.push(context.email);
  const local = context.email?.split('@')[0];
  if (local !== undefined && local.length >= 4) words.push(local);
  if (words.some((word) => word.length >= 4 && lowered.includes(word.toLowerCase()))) {
    return { ok: false, reason: 'context' };
  }
  return { ok: true, normalized };
}
