import { RefreshRotation } from '@gatehouse/core';
import { describe, expect, it } from 'vitest';
import { type ProviderSettings, providerConfiguration } from '../src/oauth/provider-config.ts';

const settings: ProviderSettings = {
  issuer: 'https://auth.example.test',
  secureCookies: true,
  cookieKeys: ['k'.repeat(43)],
  signingAlgorithm: 'ES256',
  accessTokenTtlSeconds: 600,
  refreshRotation: new RefreshRotation(
    { idleMs: 5000, absoluteMs: 20_000, reuseGraceMs: 0 },
    Buffer.alloc(32),
  ),
  sessionAbsoluteSeconds: 3600,
  dynamicRegistration: false,
  findUser: async () => undefined,
  findProfile: async () => ({}),
  sessionFromCookies: async () => null,
  endSessionFromCookies: async () => undefined,
};

describe('refresh-token lifetimes (RT-07)', () => {
  const ttl = providerConfiguration(settings, { keys: [] }, class {} as never).ttl?.RefreshToken as (
    ctx: unknown,
    token: { iiat?: number },
  ) => number;
  const now = () => Math.floor(Date.now() / 1000);

  it('a fresh token lives the idle limit', () => {
    expect(ttl(undefined, { iiat: now() })).toBe(5);
  });

  it("a rotated token never outlives its family's absolute limit", () => {
    expect(ttl(undefined, { iiat: now() - 17 })).toBe(3);
    expect(ttl(undefined, { iiat: now() - 25 })).toBe(1);
  });
});

describe('secure defaults of the engine configuration', () => {
  const config = providerConfiguration(settings, { keys: [] }, class {} as never);

  it('offers the code flow only, PKCE for every client, and no dev interactions or registration', () => {
    expect(config.responseTypes).toEqual(['code']);
    const pkceRequired = config.pkce?.required as ((ctx: unknown, client: unknown) => boolean) | undefined;
    expect(pkceRequired?.(undefined, undefined)).toBe(true);
    expect(config.features?.devInteractions?.enabled).toBe(false);
    expect(config.features?.registration?.enabled).toBe(false);
    expect(config.rotateRefreshToken).toBe(true);
    expect(config.clientAuthMethods).not.toContain('client_secret_jwt');
    expect(config.cookies?.long?.secure).toBe(true);
    expect(config.cookies?.long?.signed).toBe(true);
  });
});
