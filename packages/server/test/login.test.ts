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
