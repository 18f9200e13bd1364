import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalEmail } from '../src/email.ts';

describe('canonicalEmail', () => {
  it.each([
    ['u1@example.test', 'u1@example.test'],
    ['U1@Example.TEST', 'u1@example.test'],
    ['  u1@example.test  ', 'u1@example.test'],
    ['\tu1@example.test\n', 'u1@example.test'],
    ['First.Last+Tag@Example.Test', 'first.last+tag@example.test'],
    ["o'brien@example.test", "o'brien@example.test"],
    ['user@sub.domain.example', 'user@sub.domain.example'],
    ['ÅSA@EXAMPLE.TEST', 'åsa@example.test'],
  ])('canonicalises %j to %j', (raw, expected) => {
    expect(canonicalEmail(raw)).toBe(expected);
  });

  it('keeps dots and +tags: they are different addresses', () => {
    expect(canonicalEmail('a.b@example.test')).not.toBe(canonicalEmail('ab@example.test'));
    expect(canonicalEmail('ab+x@example.test')).not.toBe(canonicalEmail('ab@example.test'));
  });

  it('normalises to NFC, so composed and decomposed forms are the same account', () => {
    const composed = 'jos\u00e9@example.test';
    const decomposed = 'jose\u0301@example.test';
    expect(canonicalEmail(decomposed)).toBe(composed);
    expect(canonicalEmail(composed)).toBe(composed);
    expect(canonicalEmail('JOSE\u0301@EXAMPLE.TEST')).toBe(composed);
  });

  it.each([
    '',
    '   ',
    'plainaddress',
    '@example.test',
    'user@',
    'user@example',
    'user@example.t',
    'user@@example.test',
    'us er@example.test',
    'user@exa mple.test',
    'user@example.test\nbcc: victim@example.test',
    '<user@example.test>',
    'User <user@example.test>',
    '"user"@example.test',
    'user,other@example.test',
    'user;other@example.test',
    'us\\er@example.test',
    'user@[127.0.0.1]',
    'user@example.test:8080',
    '(comment)user@example.test',
  ])('rejects garbage %j', (raw) => {
    expect(canonicalEmail(raw)).toBeUndefined();
  });

  it('accepts a 64-character local part and rejects 65', () => {
    expect(canonicalEmail(`${'a'.repeat(64)}@example.test`)).toBe(`${'a'.repeat(64)}@example.test`);
    expect(canonicalEmail(`${'a'.repeat(65)}@example.test`)).toBeUndefined();
  });

  it('accepts 254 characters in total and rejects 255 or more', () => {
    const at254 = `${'a'.repeat(64)}@${'b'.repeat(184)}.test`;
    expect(at254).toHaveLength(254);
    expect(canonicalEmail(at254)).toBe(at254);
    const at255 = `${'a'.repeat(64)}@${'b'.repeat(185)}.test`;
    expect(canonicalEmail(at255)).toBeUndefined();
    expect(canonicalEmail(`${'a'.repeat(10)}@${'b'.repeat(10_000)}.test`)).toBeUndefined();
    // Surrounding whitespace does not count towards the limit.
    expect(canonicalEmail(`   ${at254}   `)).toBe(at254);
  });

  it('is idempotent and its output is always trimmed, lower-case NFC', () => {
    fc.assert(
      fc.property(fc.oneof(fc.emailAddress(), fc.string({ unit: 'grapheme', maxLength: 40 })), (raw) => {
        const canonical = canonicalEmail(raw);
        if (canonical === undefined) return true;
        return (
          canonicalEmail(canonical) === canonical &&
          canonical === canonical.trim() &&
          canonical === canonical.toLowerCase() &&
          canonical === canonical.normalize('NFC') &&
          canonical.length <= 254
        );
      }),
      { numRuns: 500 },
    );
  });

  it('accepts ordinary generated addresses, ignoring case and surrounding space', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        fc.pre(email.length <= 254);
        const canonical = canonicalEmail(` ${email.toUpperCase()} `);
        expect(canonical).toBe(email.toLowerCase());
      }),
      { numRuns: 300 },
    );
  });
});
