import { describe, expect, it } from 'vitest';
import type { SecretMatch } from '../src/oauth/client-registry.ts';
import { VerifiedSecrets } from '../src/oauth/verified-secrets.ts';

/**
 * A full check that counts its calls: the memo must spare it only for an already verified current
 * secret. `valid` maps a stored hash to its current secret and, optionally, a previous one.
 */
function counting(valid: Record<string, { current: string; previous?: string }>) {
  const calls: string[] = [];
  const secrets = new VerifiedSecrets();
  const matches = (client: object, presented: string, stored: string) =>
    secrets.matches(client, presented, async (): Promise<SecretMatch> => {
      calls.push(presented);
      const entry = valid[stored];
      return entry?.current === presented ? 'current' : entry?.previous === presented ? 'previous' : false;
    });
  return { calls, matches };
}

describe('VerifiedSecrets (client secrets already checked against their HMAC)', () => {
  it('runs the full check until a secret has passed it, then recognises that secret alone', async () => {
    const { calls, matches } = counting({ h1: { current: 'right' } });
    const client = {};
    expect(await matches(client, 'wrong', 'h1')).toBe(false);
    expect(await matches(client, 'wrong', 'h1')).toBe(false);
    expect(calls).toEqual(['wrong', 'wrong']);
    expect(await matches(client, 'right', 'h1')).toBe(true);
    expect(await matches(client, 'right', 'h1')).toBe(true);
    expect(calls).toEqual(['wrong', 'wrong', 'right']);
    // A wrong secret after a right one still takes the full check, and still fails.
    expect(await matches(client, 'righ', 'h1')).toBe(false);
    expect(await matches(client, 'right!', 'h1')).toBe(false);
    expect(calls).toHaveLength(5);
  });

  it('keeps one memo per engine client: another client (a rotated secret) is checked afresh', async () => {
    const { calls, matches } = counting({ old: { current: 'first' }, fresh: { current: 'second' } });
    const before = {};
    const rotated = {};
    expect(await matches(before, 'first', 'old')).toBe(true);
    expect(await matches(rotated, 'first', 'fresh')).toBe(false);
    expect(await matches(rotated, 'second', 'fresh')).toBe(true);
    expect(calls).toEqual(['first', 'first', 'second']);
  });

  it('issue 25 #4: never remembers a previous secret, whose overlap may end at any moment', async () => {
    const { calls, matches } = counting({ h: { current: 'new', previous: 'old' } });
    const client = {};
    expect(await matches(client, 'old', 'h')).toBe(true);
    expect(await matches(client, 'old', 'h')).toBe(true);
    expect(calls).toEqual(['old', 'old']);
  });
});
