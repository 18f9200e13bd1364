import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  API_KEY_LENGTH,
  API_KEY_PATTERN,
  API_KEY_PREFIX,
  lastFour,
  looksLikeApiKey,
  newApiKey,
  parseApiKey,
  randomBase62,
} from '../../src/api-keys/format.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('API key format', () => {
  it('has the fixed scannable prefix, an embedded id and a checksum that parses back', () => {
    const key = newApiKey();
    expect(key.raw.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(key.raw).toHaveLength(API_KEY_LENGTH);
    expect(key.raw).toMatch(API_KEY_PATTERN);
    expect(key.raw.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + 16)).toBe(key.id);
    expect(parseApiKey(key.raw)).toEqual(key);
    expect(looksLikeApiKey(key.raw)).toBe(true);
    expect(lastFour(key.raw)).toBe(key.raw.slice(-4));
  });

  it('carries at least 128 bits of secret: 43 base62 characters is 256 bits', () => {
    expect(43 * Math.log2(62)).toBeGreaterThan(256);
    const secrets = new Set(Array.from({ length: 2000 }, () => newApiKey().raw.slice(27, 70)));
    expect(secrets.size).toBe(2000);
  });

  it('draws base62 characters uniformly (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (const char of randomBase62(62 * 2000)) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Each expected 2000 times; a 10% band is > 4 standard deviations.
    for (const count of counts.values()) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });

  it('property: any single-character change is refused without a lookup', () => {
    const key = newApiKey().raw;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: key.length - 1 }),
        fc.constantFrom(...BASE62.split(''), '_', '-', ' '),
        (index, char) => {
          fc.pre(key[index] !== char);
          const typo = key.slice(0, index) + char + key.slice(index + 1);
          expect(parseApiKey(typo)).toBeUndefined();
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('property: truncated, extended or swapped keys are refused', () => {
    const key = newApiKey().raw;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: key.length - 1 }), (cut) => {
        expect(parseApiKey(key.slice(0, cut))).toBeUndefined();
        expect(parseApiKey(`${key}${key[cut]}`)).toBeUndefined();
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: API_KEY_PREFIX.length, max: key.length - 2 }), (i) => {
        fc.pre(key[i] !== key[i + 1] && key[i] !== '_' && key[i + 1] !== '_');
        const swapped = key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
        expect(parseApiKey(swapped)).toBeUndefined();
      }),
    );
  });

  it('property: arbitrary strings never parse unless they are well-formed keys', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (value) => {
        expect(parseApiKey(value)).toBeUndefined();
      }),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^gatehouse_[0-9A-Za-z]{16}_[0-9A-Za-z]{49}$/), (value) => {
        // A random well-shaped string passes the checksum with probability 2^-32.
        expect(parseApiKey(value)).toBeUndefined();
      }),
    );
  });

  it('refuses other credentials: JWTs, session ids, other vendors’ keys', () => {
    for (const other of [
      'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.sig',
      'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
      `gatehouse_${'a'.repeat(100)}`,
      '',
    ]) {
      expect(parseApiKey(other)).toBeUndefined();
    }
  });
});
