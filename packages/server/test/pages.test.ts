import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createUser, type Harness, login, strongPassword } from './harness.ts';

let h: Harness;
const pw = strongPassword();

beforeAll(async () => {
  h = await createHarness({ loginLimitPerAccountAndIp: 1000, loginLimitPerAccount: 1000 });
  await createUser(h, 'page@example.test', pw);
});
afterAll(() => h.close());

const html = { accept: 'text/html,application/xhtml+xml' };

describe('pages', () => {
  it('the account page sends anonymous browsers to the login form', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/account', headers: html });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/login?return_to=%2Faccount');
  });

  it('the login page is accessible and script-free; a failed form login re-renders it with a generic error', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/login?return_to=/account' });
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toMatch(/<label for="email">/);
    expect(page.body).toContain('autocomplete="current-password"');
    expect(page.body).not.toContain('<script');
    const nonce = page.cookies.find((c) => c.name === '__Host-gatehouse_login')!.value;
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const failed = await h.app.inject({
      method: 'POST',
      url: '/login',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `__Host-gatehouse_login=${nonce}`,
      },
      payload: new URLSearchParams({
        email: 'page@example.test',
        password: 'not it not it not it',
        csrf,
      }).toString(),
    });
    expect(failed.statusCode).toBe(401);
    expect(failed.headers['content-type']).toContain('text/html');
    expect(failed.body).toContain('role="alert"');
    expect(failed.body).toContain('Invalid email or password.');
  });

  it('the account page lists sessions with revoke forms and escapes user data', async () => {
    const me = await login(h.app, 'page@example.test', pw, { 'user-agent': '<script>alert(1)</script>' });
    const page = await h.app.inject({
      method: 'GET',
      url: '/account',
      headers: { ...html, cookie: me.cookie },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('page@example.test');
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(page.body).toContain(`action="/account/sessions/${me.sessionId}/revoke"`);
    const other = await login(h.app, 'page@example.test', pw);
    const revoke = await h.app.inject({
      method: 'POST',
      url: `/account/sessions/${other.sessionId}/revoke`,
      headers: { cookie: me.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `csrf=${encodeURIComponent(me.csrf)}`,
    });
    expect(revoke.statusCode).toBe(303);
    expect(revoke.headers.location).toBe('/account?revoked=1');
    const logoutPage = await h.app.inject({ method: 'GET', url: '/logout', headers: { cookie: me.cookie } });
    expect(logoutPage.body).toContain('action="/logout"');
    const logout = await h.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { cookie: me.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `csrf=${encodeURIComponent(me.csrf)}`,
    });
    expect(logout.statusCode).toBe(303);
    expect(logout.headers.location).toBe('/login?logged_out=1');
  });

  it('/healthz and /readyz answer', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });
});
