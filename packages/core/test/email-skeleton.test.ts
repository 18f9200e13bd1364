import { describe, expect, it } from 'vitest';
import { canonicalEmail } from '../src/email.ts';
import { emailSkeleton } from '../src/email-skeleton.ts';

/** The skeleton of what a user would type, as the stores see it (canonical first). */
const skeleton = (raw: string) => emailSkeleton(canonicalEmail(raw) ?? raw);

describe('emailSkeleton (issue 15 #6)', () => {
  it('maps look-alikes of alice@example.com to one key', () => {
    const key = skeleton('alice@example.com');
    for (const lookalike of [
      '\u0430lice@example.com', // а CYRILLIC SMALL LETTER A
      '\u0391LICE@example.com', // Α GREEK CAPITAL ALPHA, lower-cased to α first
      '\uff41lice@example.com', // ａ FULLWIDTH (in confusables.txt)
      'ａｌｉｃｅ@ｅｘａｍｐｌｅ.ｃｏｍ', // fullwidth ｍ is not: NFKD brings it
      'alice\uff20example.com', // ＠ FULLWIDTH COMMERCIAL AT
      '\u24d0lice@example.com', // ⓐ CIRCLED
      '\u{1d41a}lice@example.com', // 𝐚 MATHEMATICAL BOLD
      'ali\u200bce@example.com', // zero-width space
      'ali\u00adce@example.com', // soft hyphen
      'a1ice@example.com', // TR39: 1 → l
      'alice@example\uff0ecom', // ．FULLWIDTH FULL STOP
    ]) {
      expect(skeleton(lookalike), lookalike).toBe(key);
    }
  });

  it('is a comparison key, not text: m → rn, 0 → O, 1 → l', () => {
    expect(skeleton('alice@example.com')).toBe('alice@exarnple.corn');
    expect(skeleton('amy@example.test')).toBe(skeleton('arny@example.test'));
    expect(skeleton('b0b@example.test')).toBe('bOb@exarnple.test');
  });

  it('keeps apart what looks different', () => {
    const distinct = [
      'bob@example.test',
      'b0b@example.test', // 0 → O, and no canonical address has a capital O
      'bob+tag@example.test',
      'b.ob@example.test',
      'bob@example.org',
      'jose@example.test',
      'josé@example.test',
      'ss@example.test',
      'ß@example.test',
      'bob@xn--exmple-4nf.test', // an A-label is compared as written
    ];
    expect(new Set(distinct.map(skeleton)).size).toBe(distinct.length);
  });

  it('composed and decomposed accents give one key', () => {
    expect(skeleton('jos\u00e9@example.test')).toBe(skeleton('jose\u0301@example.test'));
  });

  it('the ideographic full stop counts as a dot', () => {
    expect(skeleton('alice@mail.example\u3002com')).toBe(skeleton('alice@mail.example.com'));
  });
});
