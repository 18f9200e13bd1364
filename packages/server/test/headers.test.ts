import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createUser, type Harness, login, strongPassword } from './harness.ts';

let h: Harness;
const pw = strongPassword();

beforeAll(async () => {
  h = await createHarness();
  await createUser(h, 'u1@example.test', pw);
});
afterAll(() => h.close());

describe('security headers', () => {
  it('HDR-01: responses carrying credentials are not cached', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: 'u1@example.test', password: pw },
    });
    expect(response.headers['cache-control']).toBe('no-store');
    const session = await login(h.app, 'u1@example.test', pw);
    const introspect = await h.app.inject({
      method: 'POST',
      url: '/session/introspect',
      headers: { authorization: `Bearer ${h.config.introspectionSecret}` },
      payload: { token: session.token },
    });
    expect(introspect.headers['cache-control']).toBe('no-store');
    const account = await h.app.inject({
      method: 'GET',
      url: '/account',
      headers: { cookie: session.cookie },
    });
    expect(account.headers['cache-control']).toBe('no-store');
  });

  it('HDR-02: HSTS is sent when the issuer is https; production refuses plain-http APIs and redirects pages', async () => {
    const tls = await createHarness({
      issuer: 'https://auth.example.test',
      nodeEnv: 'production',
      secret: 'x'.repeat(40),
      trustProxy: '127.0.0.1',
    });
    try {
      const api = await tls.app.inject({ method: 'POST', url: '/login', payload: {} });
      expect(api.statusCode).toBe(400);
      expect(api.json().type).toBe('urn:gatehouse:error:https_required');
      const page = await tls.app.inject({ method: 'GET', url: '/login', headers: { accept: 'text/html' } });
      expect(page.statusCode).toBe(301);
      expect(page.headers.location).toBe('https://auth.example.test/login');
      const secure = await tls.app.inject({
        method: 'GET',
        url: '/login',
        headers: { 'x-forwarded-proto': 'https' },
        remoteAddress: '127.0.0.1',
      });
      expect(secure.statusCode).toBe(200);
      expect(api.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await tls.close();
    }
  });

  it('HDR-03: pages carry a strict nonce CSP and anti-framing headers; every response has nosniff and a charset', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/login' });
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toMatch(/style-src 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain('unsafe-inline');
    const nonce = /nonce-([A-Za-z0-9+/=]+)/.exec(csp)![1];
    expect(page.body).toContain(`<style nonce="${nonce}">`);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    for (const url of ['/login', '/healthz', '/nope', '/account', '/logout']) {
      const response = await h.app.inject({ method: 'GET', url });
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      if (response.statusCode !== 303) expect(response.headers['content-type']).toMatch(/charset=utf-8/);
    }
  });

  it('HDR-04: cookie APIs never reflect Origin or allow credentials cross-origin', async () => {
    const session = await login(h.app, 'u1@example.test', pw);
    for (const origin of ['https://evil.test', 'null']) {
      for (const url of ['/account', '/account/sessions', '/login']) {
        const response = await h.app.inject({
          method: 'GET',
          url,
          headers: { origin, cookie: session.cookie },
        });
        expect(response.headers['access-control-allow-origin']).toBeUndefined();
        expect(response.headers['access-control-allow-credentials']).toBeUndefined();
      }
      const preflight = await h.app.inject({ method: 'OPTIONS', url: '/account', headers: { origin } });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});
