import { randomBytes } from 'node:crypto';
import type { OAuthClientRecord, OAuthClientStore } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { HOUR, type MakeFixture, useFixture } from './fixtures.ts';

const T0 = Date.UTC(2026, 0, 1);
const hash = () => randomBytes(32).toString('hex');

/** A confidential client with made-up secret hashes: stores treat them as opaque. */
export function fakeOAuthClient(overrides: Partial<OAuthClientRecord> = {}): OAuthClientRecord {
  return {
    clientId: `c_${randomBytes(12).toString('base64url')}`,
    name: 'Conformance client',
    type: 'confidential',
    secretHash: hash(),
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    jwks: null,
    authMethod: 'client_secret_basic',
    idTokenAlg: null,
    redirectUris: ['https://app.example/callback'],
    postLogoutRedirectUris: [],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', 'profile'],
    resources: [],
    audience: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

/**
 * The OAuth client store contract as far as secrets go: exact round trips of the previous secret
 * and its expiry, `update` leaving the secrets alone, and `replaceSecrets` as a compare-and-set on
 * the current and previous hashes of which one of several concurrent attempts wins.
 */
export function describeOAuthClientStoreConformance(name: string, make: MakeFixture<OAuthClientStore>): void {
  describe(`${name}: OAuthClientStore conformance`, () => {
    const fixture = useFixture(make);

    it('round-trips a client with a pending previous secret exactly, times as numbers', async () => {
      const { store } = fixture();
      const client = fakeOAuthClient({ previousSecretHash: hash(), previousSecretExpiresAt: T0 + HOUR });
      expect(await store.insert(client)).toBe(true);
      expect(await store.insert(client)).toBe(false);
      expect(await store.get(client.clientId)).toStrictEqual(client);
      expect(await store.list()).toStrictEqual([client]);
      expect(typeof (await store.get(client.clientId))?.previousSecretExpiresAt).toBe('number');
    });

    it('update changes the metadata but never the secrets', async () => {
      const { store } = fixture();
      const client = fakeOAuthClient({ previousSecretHash: hash(), previousSecretExpiresAt: T0 + HOUR });
      await store.insert(client);
      const changed = {
        ...client,
        name: 'Renamed',
        secretHash: hash(),
        previousSecretHash: null,
        updatedAt: T0 + 1,
      };
      expect(await store.update(changed)).toBe(true);
      expect(await store.get(client.clientId)).toStrictEqual({
        ...changed,
        secretHash: client.secretHash,
        previousSecretHash: client.previousSecretHash,
        previousSecretExpiresAt: client.previousSecretExpiresAt,
      });
    });

    it('replaceSecrets is a compare-and-set on the current and previous hashes; one of many wins', async () => {
      const { store } = fixture();
      const client = fakeOAuthClient();
      await store.insert(client);
      const rotation = (secretHash: string) => ({
        secretHash,
        previousSecretHash: client.secretHash,
        previousSecretExpiresAt: T0 + HOUR,
        updatedAt: T0 + 1,
      });
      const expected = { secretHash: client.secretHash, previousSecretHash: null };
      expect(
        await store.replaceSecrets(client.clientId, { ...expected, secretHash: hash() }, rotation(hash())),
      ).toBe(false);
      expect(await store.replaceSecrets('c_none', expected, rotation(hash()))).toBe(false);
      const attempts = [rotation(hash()), rotation(hash()), rotation(hash())];
      const results = await Promise.all(
        attempts.map((secrets) => store.replaceSecrets(client.clientId, expected, secrets)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = attempts[results.indexOf(true)];
      expect(await store.get(client.clientId)).toStrictEqual({ ...client, ...winner });
      // The previous hash takes part in the comparison: an early revocation read before is refused.
      const current = { secretHash: winner?.secretHash ?? '', previousSecretHash: null };
      expect(
        await store.replaceSecrets(client.clientId, current, {
          ...current,
          previousSecretExpiresAt: null,
          updatedAt: T0 + 2,
        }),
      ).toBe(false);
      expect(
        await store.replaceSecrets(
          client.clientId,
          { ...current, previousSecretHash: client.secretHash },
          { ...current, previousSecretExpiresAt: null, updatedAt: T0 + 2 },
        ),
      ).toBe(true);
      expect(await store.get(client.clientId)).toMatchObject({
        previousSecretHash: null,
        previousSecretExpiresAt: null,
      });
    });
  });
}
