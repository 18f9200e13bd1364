import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkPassword,
  defaultPasswordPolicy,
  MAX_PASSWORD_BYTES,
  normalizePassword,
  type PasswordPolicyOptions,
} from '../src/password-policy.ts';

const L = defaultPasswordPolicy.minLength;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ';

/** A random password of `length` code points drawn from letters, digits and spaces. */
function randomPassword(length: number): string {
  let value = '';
  for (let i = 0; i < length; i++) value += ALPHABET[randomInt(ALPHABET.length)];
  return value;
}

/** Like randomPassword, but never starting or ending with a space (so no trimming question arises). */
function randomPasswordWithSpaces(length: number): string {
  const inner = randomPassword(length - 2).split('');
  // Guarantee at least two spaces inside.
  inner[Math.floor(inner.length / 3)] = ' ';
  inner[Math.floor((2 * inner.length) / 3)] = ' ';
  return `K${inner.join('')}q`;
}

const reasonOf = (
  password: string,
  policy: PasswordPolicyOptions = defaultPasswordPolicy,
  email?: string,
) => {
  const verdict = checkPassword(password, policy, email === undefined ? {} : { email });
  return verdict.ok ? 'ok' : verdict.reason;
};

describe('password policy', () => {
  it('defaults to NIST single-factor minimum 15 and maximum at least 64', () => {
    expect(defaultPasswordPolicy.minLength).toBeGreaterThanOrEqual(15);
    expect(defaultPasswordPolicy.maxLength).toBeGreaterThanOrEqual(64);
  });

  describe('LOGIN-02: length limits', () => {
    it('rejects L−1 characters and accepts L characters (L = configured minimum)', () => {
      const base = 'zq7Xv!pLm3Rk9wTbN4'; // no dictionary word, no sequence
      expect(reasonOf(base.slice(0, L - 1))).toBe('too_short');
      expect(reasonOf(base.slice(0, L))).toBe('ok');
    });

    it('applies the configured minimum (e.g. 20)', () => {
      const policy = { minLength: 20, maxLength: 256 };
      const base = 'zq7Xv!pLm3Rk9wTbN4fHcY';
      expect(reasonOf(base.slice(0, 19), policy)).toBe('too_short');
      expect(reasonOf(base.slice(0, 20), policy)).toBe('ok');
    });

    it.each([L, 64, 128])('accepts random %i-character passwords that include spaces', (length) => {
      for (let i = 0; i < 20; i++) {
        const password = randomPasswordWithSpaces(length);
        expect([...password]).toHaveLength(length);
        expect(password).toContain(' ');
        const verdict = checkPassword(password, defaultPasswordPolicy);
        expect(verdict, JSON.stringify(password)).toEqual({ ok: true, normalized: password });
      }
    });

    it('never lets the minimum fall below 8, even when configured lower', () => {
      for (const minLength of [0, 1, 4, 7]) {
        const policy = { minLength, maxLength: 256 };
        expect(reasonOf('zq7Xv!p', policy)).toBe('too_short'); // 7
        expect(reasonOf('zq7', policy)).toBe('too_short');
        expect(reasonOf('', policy)).toBe('too_short');
        expect(reasonOf('zq7Xv!pL', policy)).toBe('ok'); // 8
      }
    });

    it('never lets the maximum fall below 64, even when configured lower', () => {
      const password = randomPasswordWithSpaces(64);
      expect(reasonOf(password, { minLength: 15, maxLength: 20 })).toBe('ok');
      expect(reasonOf(randomPasswordWithSpaces(65), { minLength: 15, maxLength: 20 })).toBe('too_long');
    });

    it('rejects more than the configured maximum of code points', () => {
      expect(reasonOf(randomPasswordWithSpaces(256))).toBe('ok');
      expect(reasonOf(randomPasswordWithSpaces(257))).toBe('too_long');
    });

    it('counts length in code points, not UTF-16 code units', () => {
      // 🦊 is one code point but two UTF-16 units, and NFKC leaves it alone.
      const fourteen = 'fox🦊den🦊lam🦊r🦊'; // 14 code points, 18 code units
      expect([...fourteen]).toHaveLength(14);
      expect(fourteen.length).toBe(18);
      expect(reasonOf(fourteen)).toBe('too_short');
      const fifteen = `${fourteen}g`;
      expect(reasonOf(fifteen)).toBe('ok');
    });

    it('counts length after normalisation (decomposed input is not longer)', () => {
      const nfc = 'crème brûlée 7q'; // 15 code points composed
      const nfd = nfc.normalize('NFD');
      expect([...nfd].length).toBeGreaterThan(15);
      expect(reasonOf(nfc)).toBe('ok');
      expect(reasonOf(nfd)).toBe('ok');
      const short = 'crème brûlée 7'; // 14 composed, 17 decomposed
      expect([...short.normalize('NFD')].length).toBeGreaterThanOrEqual(15);
      expect(reasonOf(short.normalize('NFD'))).toBe('too_short');
    });

    it(`rejects anything over MAX_PASSWORD_BYTES (${MAX_PASSWORD_BYTES}) UTF-8 bytes as too_long before other checks`, () => {
      const lenient = { minLength: 15, maxLength: 1_000_000 };
      const ascii = randomPasswordWithSpaces(MAX_PASSWORD_BYTES);
      expect(Buffer.byteLength(ascii)).toBe(MAX_PASSWORD_BYTES);
      expect(reasonOf(ascii, lenient)).toBe('ok');
      expect(reasonOf(`${ascii}x`, lenient)).toBe('too_long');
      // Multi-byte: 1025 × 4 bytes = 4100 bytes, only 1025 code points.
      expect(reasonOf('🦊'.repeat(1025), lenient)).toBe('too_long');
      // A megabyte is refused the same way.
      expect(reasonOf('a'.repeat(1024 * 1024))).toBe('too_long');
    });
  });

  describe('LOGIN-03: no composition rules, Unicode accepted', () => {
    it('(a) accepts a 20-character all-lowercase passphrase', () => {
      const passphrase = 'velvet harbour quill';
      expect(passphrase).toHaveLength(20);
      expect(passphrase).toBe(passphrase.toLowerCase());
      expect(reasonOf(passphrase)).toBe('ok');
    });

    it('(a) accepts all-lowercase letters with no digits or symbols at all', () => {
      expect(reasonOf('mosquitoharbourzinc')).toBe('ok');
    });

    it('(b) accepts "Ünïcødé pass 日本語 ☃ x", counted in code points, and NFC and NFD normalise equal', () => {
      const nfc = 'Ünïcødé pass 日本語 ☃ x'.normalize('NFC');
      const nfd = nfc.normalize('NFD');
      expect(nfd).not.toBe(nfc);
      expect([...nfc]).toHaveLength(20);
      const a = checkPassword(nfc, defaultPasswordPolicy);
      const b = checkPassword(nfd, defaultPasswordPolicy);
      expect(a.ok).toBe(true);
      expect(b.ok).toBe(true);
      expect(normalizePassword(nfc)).toBe(normalizePassword(nfd));
      expect(a.ok && b.ok && a.normalized === b.normalized).toBe(true);
    });

    it('normalises compatibility forms (NFKC): full-width input equals ASCII', () => {
      const ascii = 'velvet harbour quill';
      const fullWidth = 'ｖｅｌｖｅｔ harbour quill';
      expect(normalizePassword(fullWidth)).toBe(ascii);
    });

    // Product bug: `stripDecoration` uses `\W`, which in JS is ASCII-only even with the `u` flag, so
    // a password written entirely in a non-Latin script is stripped to "" and reported as 'common'.
    it('accepts long passphrases written entirely in non-Latin scripts', () => {
      expect(reasonOf('пароль очень длинный секрет')).toBe('ok');
      expect(reasonOf('日本語のとても長いパスワードです')).toBe('ok');
    });
  });

  describe('LOGIN-05: blocklist and context words', () => {
    it.each(['password1234567', '123456789012345', 'qwertyuiopasdfgh'])(
      'rejects %j as common',
      (password) => {
        expect([...password].length).toBeGreaterThanOrEqual(L);
        expect(reasonOf(password)).toBe('common');
      },
    );

    it.each([
      'PASSWORD1234567',
      'password  password',
      'passwordpassword',
      '!!!password2024!!!',
      'abcdefghijklmnop',
      'zyxwvutsrqponmlk',
      'aaaaaaaaaaaaaaaa',
      '987654321098765',
      'asdfghjklzxcvbnm',
    ])('rejects the guessable variant %j', (password) => {
      expect(reasonOf(password)).toBe('common');
    });

    it('rejects the email local part (the username), in any case', () => {
      const email = 'margaret.hamilton@example.test';
      expect(reasonOf('margaret.hamilton rocks', defaultPasswordPolicy, email)).toBe('context');
      expect(reasonOf('I am MARGARET.HAMILTON 42', defaultPasswordPolicy, email)).toBe('context');
      // Without the context the same password is acceptable.
      expect(reasonOf('margaret.hamilton rocks')).toBe('ok');
    });

    it('does not refuse ordinary words because a short local part ("you") appears in them', () => {
      expect(reasonOf('a long passphrase you like', defaultPasswordPolicy, 'you@example.com')).toBe('ok');
    });

    it('issue 15 #5: refuses the whole email address even when its local part is short', () => {
      expect(reasonOf('you@example.com is my passphrase', defaultPasswordPolicy, 'you@example.com')).toBe(
        'context',
      );
    });

    it('rejects passwords containing the service name "gatehouse"', () => {
      for (const password of ['gatehouse castle keep', 'my Gatehouse secret 9', 'xxGATEHOUSExx44zz']) {
        expect(['common', 'context']).toContain(reasonOf(password));
      }
      expect(reasonOf('gatehouse castle keep')).toBe('context');
    });

    it('rejects extra deployment-specific words', () => {
      const verdict = checkPassword('welcome to acmecorp today', defaultPasswordPolicy, {
        words: ['AcmeCorp'],
      });
      expect(verdict).toEqual({ ok: false, reason: 'context' });
    });
  });

  describe('properties', () => {
    const policyArb = fc.record({
      minLength: fc.integer({ min: 0, max: 64 }),
      maxLength: fc.integer({ min: 0, max: 1024 }),
    });

    it('rejects as too_short any password whose normalised length is below the effective minimum', () => {
      fc.assert(
        fc.property(policyArb, fc.string({ unit: 'binary', maxLength: 70 }), (policy, password) => {
          const length = [...normalizePassword(password)].length;
          fc.pre(length < Math.max(8, policy.minLength));
          const verdict = checkPassword(password, policy);
          return !verdict.ok && verdict.reason === 'too_short';
        }),
        { numRuns: 500 },
      );
    });

    it('never accepts anything with a normalised length below 8 or above the effective maximum', () => {
      fc.assert(
        fc.property(policyArb, fc.string({ unit: 'grapheme', maxLength: 300 }), (policy, password) => {
          const verdict = checkPassword(password, policy);
          if (!verdict.ok) return true;
          const length = [...verdict.normalized].length;
          return (
            length >= Math.max(8, policy.minLength) &&
            length <= Math.max(64, policy.maxLength) &&
            verdict.normalized === normalizePassword(password)
          );
        }),
        { numRuns: 500 },
      );
    });

    it('is deterministic: the same input always gives the same verdict', () => {
      fc.assert(
        fc.property(
          policyArb,
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 100 }),
            fc.string({ unit: 'grapheme-ascii', maxLength: 100 }),
          ),
          fc.option(fc.emailAddress(), { nil: undefined }),
          (policy, password, email) => {
            const context = email === undefined ? {} : { email };
            expect(checkPassword(password, policy, context)).toEqual(
              checkPassword(password, policy, context),
            );
          },
        ),
        { numRuns: 500 },
      );
    });

    it('NFC and NFD forms of the same password always get the same verdict', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', minLength: 10, maxLength: 40 }), (password) => {
          expect(checkPassword(password.normalize('NFD'), defaultPasswordPolicy)).toEqual(
            checkPassword(password.normalize('NFC'), defaultPasswordPolicy),
          );
        }),
        { numRuns: 300 },
      );
    });
  });
});
