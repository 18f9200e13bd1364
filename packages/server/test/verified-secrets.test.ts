import { describe, expect, it } from 'vitest';
import { VerifiedSecrets } from '../src/oauth/verified-secrets.ts';

/** A full check that counts its calls: the memo must spare it only for an already verified secret. */
function counting(valid: Record<string, string>) {
  const calls: string[] = [];
  const check = (presented: string, stored: string) => {
    calls.push(presented);
    return valid[stored] === presented;
  };
  return { calls, secrets: new VerifiedSecrets(check) };
}

describe('VerifiedSecrets (client secrets already checked against their HMAC)', () => {
  it('runs the full check until a secret has passed it, then recognises that secret alone', () => {
    const { calls, secrets } = counting({ h1: 'right' });
    const client = {};
    expect(secrets.matches(client, 'wrong', 'h1')).toBe(false);
    expect(secrets.matches(client, 'wrong', 'h1')).toBe(false);
    expect(calls).toEqual(['wrong', 'wrong']);
    expect(secrets.matches(client, 'right', 'h1')).toBe(true);
    expect(secrets.matches(client, 'right', 'h1')).toBe(true);
    expect(calls).toEqual(['wrong', 'wrong', 'right']);
    // A wrong secret after a right one still takes the full check, and still fails.
    expect(secrets.matches(client, 'righ', 'h1')).toBe(false);
    expect(secrets.matches(client, 'right!', 'h1')).toBe(false);
    expect(calls).toHaveLength(5);
  });

  it('keeps one memo per engine client: another client (a rotated secret) is checked afresh', () => {
    const { calls, secrets } = counting({ old: 'first', fresh: 'second' });
    const before = {};
    const rotated = {};
    expect(secrets.matches(before, 'first', 'old')).toBe(true);
    expect(secrets.matches(rotated, 'first', 'fresh')).toBe(false);
    expect(secrets.matches(rotated, 'second', 'fresh')).toBe(true);
    expect(calls).toEqual(['first', 'first', 'second']);
  });
});
