import { ManualClock } from '@gatehouse/core';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  createHarness,
  createUser,
  type Harness,
  login,
  strongPassword,
} from './harness.ts';

let h: Harness;
const pw = strongPassword();
beforeAll(async () => {
  h = await createHarness({
    loginLimitPerAccountAndIp: 1000,
    loginLimitPerAccount: 1000,
    loginLimitPerIp: 10_000,
  });
  await createUser(h, 'u1@example.test', pw);
  const disabled = await createUser(h, 'disabled@example.test', pw);
  await h.gatehouse.accounts.setDisabled(disabled.id, true);
});
afterAll(() => h.close());

function post(payload: unknown, headers: Record<string, string> = {}) {
  return h.app.inject({
    method: 'POST',
    url: '/login',
    payload: payload as Record<string, unknown>,
    headers,
  });
}

const masked = (body: string) => body.replace(/urn:gatehouse:request:[^"]+/, 'urn:gatehouse:request:X');

describe('login', () => {
  it('logs in with the right password and returns identity JSON without a cache', async () => {
    const response = await post({ email: 'U1@Example.test ', password: pw });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.json().user.email).toBe('u1@example.test');
  });

  it('LOGIN-01: wrong password, unknown user and disabled user are indistinguishable', async () => {
    const wrong = 'x'.repeat(pw.length);
    const responses = [
      await post({ email: 'u1@example.test', password: wrong }),
      await post({ email: 'nobody@example.test', password: wrong }),
      await post({ email: 'disabled@example.test', password: wrong }),
      await post({ email: 'disabled@example.test', password: pw }),
    ];
    const [first] = responses;
    for (const response of responses) {
      expect(response.statusCode).toBe(401);
      expect(masked(response.body)).toBe(masked(first!.body));
      const names = (r: typeof response) =>
        Object.keys(r.headers)
          .filter((n) => n !== 'date')
          .sort();
      expect(names(response)).toEqual(names(first!));
      expect(response.headers['set-cookie']).toBeUndefined();
    }
    expect(first!.json().detail).toBe('Invalid email or password.');
  });

  it('LOGIN-07: a 1 MiB password and a 10 KB email are refused fast, without hashing', async () => {
    const started = performance.now();
    const big = await post({ email: 'u1@example.test', password: 'a'.repeat(1024 * 1024) });
    const longEmail = await post({ email: `${'a'.repeat(10_000)}@example.test`, password: 'whatever' });
    const elapsed = performance.now() - started;
    expect(big.statusCode).toBe(413);
    expect(longEmail.statusCode).toBe(400);
    expect(elapsed).toBeLessThan(1000);
  });

  it('LOGIN-08: credentials in the URL create no session and never reach the logs', async () => {
    const get = await h.app.inject({
      method: 'GET',
      url: `/login?email=u1%40example.test&password=${encodeURIComponent(pw)}`,
    });
    expect(get.headers['set-cookie'] ?? '').not.toContain('gatehouse_session');
    const postQuery = await h.app.inject({
      method: 'POST',
      url: `/login?email=u1%40example.test&password=${encodeURIComponent(pw)}`,
      payload: { email: 'u1@example.test', password: pw },
    });
    expect(postQuery.statusCode).toBe(400);
    expect(postQuery.headers['set-cookie']).toBeUndefined();
    expect(h.logs.join('\n')).not.toContain(encodeURIComponent(pw));
    for (const [email, password] of [
      ['admin', 'admin'],
      ['admin', 'password'],
      ['root', 'root'],
      ['admin@localhost', 'admin'],
    ]) {
      expect((await post({ email, password })).statusCode).toBe(401);
    }
  });

  it('IN-04: type probes and injection strings get a plain 4xx', async () => {
    for (const payload of [
      { email: 'u1@example.test', password: true },
      { email: 'u1@example.test', password: ['x'] },
      { email: ['a', 'b'], password: pw },
      { email: { $ne: null }, password: { $gt: '' } },
    ]) {
      expect((await post(payload)).statusCode).toBe(400);
    }
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
    for (const probe of ["' OR '1'='1 --", '${7*7}', '{{7*7}}', '%s%n']) {
      const response = await post({ email: probe, password: probe });
      expect(response.statusCode).toBe(401);
      expect(masked(response.body)).not.toContain('49');
    }
  });

  it('an HTML form login redirects (303) only to a safe relative return_to', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/login' });
    const nonce = page.cookies.find((c) => c.name === '__Host-gatehouse_login')!.value;
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const submit = (returnTo: string) =>
      h.app.inject({
        method: 'POST',
        url: '/login',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `__Host-gatehouse_login=${nonce}`,
        },
        payload: new URLSearchParams({
          email: 'u1@example.test',
          password: pw,
          csrf,
          return_to: returnTo,
        }).toString(),
      });
    expect((await submit('/account?tab=1')).headers.location).toBe('/account?tab=1');
    for (const evil of ['//evil.test', 'https://evil.test', '/\\evil.test', 'javascript:alert(1)']) {
      const response = await submit(evil);
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe('/account');
    }
  });

  it('the bootstrap admin exists only through the environment, with the admin role', async () => {
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const account = await h.app.inject({ method: 'GET', url: '/account', headers: { cookie: admin.cookie } });
    expect(account.json().roles).toEqual(['admin']);
  });
});

/**
 * Issue 15 #4 (targeted lockout): anyone who knows an email could use up the account's limits and
 * lock its owner out. A browser that signed in before carries a device cookie; its attempts count
 * against that cookie only, so the owner still gets in there, while unknown devices stay throttled.
 */
describe('issue 15 #4: device cookies against targeted lockout', () => {
  const clock = new ManualClock(Date.now());
  let d: Harness;
  const passwords = new Map<string, string>();
  beforeAll(async () => {
    d = await createHarness({}, { clock }); // the default limits: 10 per account+IP, 20 per account, 100 per IP
    for (const email of [
      'owner1@example.test',
      'owner2@example.test',
      'owner3@example.test',
      'owner4@example.test',
      'other@example.test',
    ]) {
      passwords.set(email, strongPassword());
      await createUser(d, email, passwords.get(email)!);
    }
  });
  afterAll(() => d.close());

  /** What a browser would send back: the cookies this response set (none when it set none). */
  const jar = (response: LightMyRequestResponse) =>
    response.cookies.map((c) => `${c.name}=${c.value}`).join('; ');

  function attempt(email: string, password: string, ip: string, cookie = '') {
    return d.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email, password },
      remoteAddress: ip,
      headers: cookie === '' ? {} : { cookie },
    });
  }
  const right = (email: string) => passwords.get(email)!;
  const wrong = (email: string) => 'w'.repeat(right(email).length);

  /** Signs in from a browser and returns its cookie jar (session and device cookie). */
  async function signInBrowser(email: string, ip: string) {
    const response = await attempt(email, right(email), ip);
    expect(response.statusCode).toBe(200);
    return jar(response);
  }

  it('issue 15 #4: 20 wrong passwords from two addresses do not lock out the owner on a trusted device', async () => {
    const owner = 'owner1@example.test';
    const browser = await signInBrowser(owner, '192.0.2.10');
    // The attack: 10 wrong passwords from each of two addresses use up the per-account limit (20).
    for (const ip of ['203.0.113.1', '203.0.113.2'])
      for (let i = 0; i < 10; i++) expect((await attempt(owner, wrong(owner), ip)).statusCode).toBe(401);
    // A never-seen device is throttled, even with the right password...
    const unknown = await attempt(owner, right(owner), '192.0.2.10');
    expect(unknown.statusCode).toBe(429);
    // ...but the owner's browser that signed in before gets in, from home and from behind the
    // attacker's (shared, NAT) address alike.
    expect((await attempt(owner, right(owner), '192.0.2.10', browser)).statusCode).toBe(200);
    expect((await attempt(owner, right(owner), '203.0.113.1', browser)).statusCode).toBe(200);
    // The owner's sign-ins did not refill the guesser's budget: a third address is still refused.
    expect((await attempt(owner, wrong(owner), '203.0.113.3')).statusCode).toBe(429);
  });

  it('issue 15 #4: the device cookie is HttpOnly, Secure, SameSite=Strict, __Host- and long-lived; only successes set it', async () => {
    const owner = 'other@example.test';
    const ok = await attempt(owner, right(owner), '192.0.2.20');
    const device = ok.cookies.find((c) => c.name === '__Host-gatehouse_device');
    expect(device).toBeDefined();
    expect(device).toMatchObject({ path: '/', httpOnly: true, secure: true, sameSite: 'Strict' });
    expect(device!.maxAge).toBe(d.config.deviceCookieMaxAgeSeconds);
    expect(device!.domain).toBeUndefined();
    // Opaque: it names neither the user nor the email.
    expect(device!.value).not.toContain(ok.json().user.id);
    expect(device!.value).not.toContain('other');
    const failed = await attempt(owner, wrong(owner), '192.0.2.20', jar(ok));
    expect(failed.statusCode).toBe(401);
    expect(failed.headers['set-cookie']).toBeUndefined();
    // Token mode sets no cookie at all.
    const token = await d.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: owner, password: right(owner), mode: 'token' },
      remoteAddress: '192.0.2.20',
    });
    expect(token.statusCode).toBe(200);
    expect(token.headers['set-cookie']).toBeUndefined();
  });

  it("issue 15 #4: a forged or another account's device cookie is ignored (the attempt stays throttled)", async () => {
    const owner = 'owner2@example.test';
    const otherBrowser = await signInBrowser('other@example.test', '192.0.2.30');
    const ownBrowser = await signInBrowser(owner, '192.0.2.31');
    for (const ip of ['203.0.113.11', '203.0.113.12'])
      for (let i = 0; i < 10; i++) await attempt(owner, wrong(owner), ip);
    const ownDevice = /__Host-gatehouse_device=([^;]+)/.exec(ownBrowser)![1]!;
    const tampered = `${ownDevice.slice(0, -2)}${ownDevice.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const cookie of [
      otherBrowser, // a real device cookie, of another account
      `__Host-gatehouse_device=${tampered}`,
      '__Host-gatehouse_device=not-a-device-cookie',
      `__Host-gatehouse_device=${'A'.repeat(5000)}`,
    ]) {
      const response = await attempt(owner, right(owner), '192.0.2.32', cookie);
      expect(response.statusCode, cookie.slice(0, 60)).toBe(429);
    }
    expect((await attempt(owner, right(owner), '192.0.2.32', ownBrowser)).statusCode).toBe(200);
  });

  it("issue 15 #4: a device cookie's own failure limit locks that cookie only", async () => {
    const owner = 'owner3@example.test';
    const abused = await signInBrowser(owner, '192.0.2.40');
    const laptop = await signInBrowser(owner, '192.0.2.41');
    const limit = d.config.loginLimitPerDevice;
    // Guessing with a (stolen) device cookie: it gets its own limit, from any address...
    for (let i = 0; i < limit; i++)
      expect((await attempt(owner, wrong(owner), `198.51.100.${i + 1}`, abused)).statusCode).toBe(401);
    const locked = await attempt(owner, right(owner), '198.51.100.200', abused);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.json().title).toBe('Too many requests');
    // ...and locks nothing else: the owner's other browser, and a new device (the account's own
    // counters were not touched by the trusted cookie's attempts).
    expect((await attempt(owner, right(owner), '192.0.2.41', laptop)).statusCode).toBe(200);
    expect((await attempt(owner, right(owner), '192.0.2.42')).statusCode).toBe(200);
    // The lock lifts with the window (no permanent lockout).
    clock.advance(d.config.loginLimitWindowSeconds * 1000 + 1);
    expect((await attempt(owner, right(owner), '198.51.100.200', abused)).statusCode).toBe(200);
  });

  it('issue 15 #4: the HTML form login, which is also the OAuth sign-in page, honours the device cookie', async () => {
    const owner = 'owner4@example.test';
    const returnTo = '/oauth/interaction/abc123'; // where an authorization request sends the browser
    const page = await d.app.inject({
      method: 'GET',
      url: `/login?return_to=${encodeURIComponent(returnTo)}`,
    });
    const nonce = page.cookies.find((c) => c.name === '__Host-gatehouse_login')!.value;
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const submit = (ip: string, cookies: string) =>
      d.app.inject({
        method: 'POST',
        url: '/login',
        remoteAddress: ip,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'sec-fetch-site': 'same-origin',
          cookie: [`__Host-gatehouse_login=${nonce}`, cookies].filter((c) => c !== '').join('; '),
        },
        payload: new URLSearchParams({
          email: owner,
          password: right(owner),
          csrf,
          return_to: returnTo,
        }).toString(),
      });
    const first = await submit('192.0.2.50', '');
    expect(first.statusCode).toBe(303);
    const device = first.cookies.find((c) => c.name === '__Host-gatehouse_device');
    expect(device).toBeDefined();
    for (const ip of ['203.0.113.21', '203.0.113.22'])
      for (let i = 0; i < 10; i++) expect((await attempt(owner, wrong(owner), ip)).statusCode).toBe(401);
    const unknown = await submit('192.0.2.51', '');
    expect(unknown.statusCode).toBe(429);
    expect(unknown.headers['content-type']).toContain('text/html');
    const known = await submit('192.0.2.51', `__Host-gatehouse_device=${device!.value}`);
    expect(known.statusCode).toBe(303);
    expect(known.headers.location).toBe(returnTo);
  });

  it('issue 15 #4: an unknown device is still throttled per account and IP and per account', async () => {
    clock.advance(d.config.loginLimitWindowSeconds * 1000 + 1);
    const owner = 'owner1@example.test';
    for (let i = 0; i < d.config.loginLimitPerAccountAndIp; i++)
      expect((await attempt(owner, wrong(owner), '203.0.113.50')).statusCode).toBe(401);
    expect((await attempt(owner, right(owner), '203.0.113.50')).statusCode).toBe(429);
    // The refused attempt counted too: 9 more from elsewhere reach the per-account limit (20).
    for (let i = 0; i < d.config.loginLimitPerAccount - d.config.loginLimitPerAccountAndIp - 1; i++)
      expect((await attempt(owner, wrong(owner), `203.0.113.${60 + i}`)).statusCode).toBe(401);
    expect((await attempt(owner, right(owner), '203.0.113.99')).statusCode).toBe(429);
  });
});
