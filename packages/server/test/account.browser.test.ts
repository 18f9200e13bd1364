import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { browserTestsRun, openChromiumPage, SCREENSHOTS } from './chromium.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, SESSION_COOKIE } from './harness.ts';
import { freePort } from './processes.ts';

/**
 * The account page in a real browser (Chromium through Playwright): sign in through the form, see
 * the sessions, revoke another one, create an API key (shown once) and revoke it, sign out. The session cookie is `__Host-` + Secure, which
 * Chromium accepts from http://localhost (a potentially trustworthy origin) but not from
 * http://127.0.0.1 — so the server listens on 127.0.0.1 and the browser navigates to localhost.
 */

const MAX_SCREENSHOT_BYTES = 200 * 1024;

function sessionTokenFrom(response: Response): string {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const [name, value] = (pair ?? '').split('=');
    if (name === SESSION_COOKIE && value !== undefined && value !== '') return value;
  }
  throw new Error(`no session cookie in ${response.status} response`);
}

let dataDir: string;
let server: RunningServer;
let origin: string;
let browser: Browser;
let page: Page;
let consoleErrors: string[] = [];

const inBrowser = browserTestsRun();

beforeAll(async () => {
  if (!inBrowser) return;
  dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-browser-'));
  const port = await freePort();
  origin = `http://localhost:${port}`;
  server = await startServer(
    loadConfig(
      {},
      {
        dataDir,
        port,
        host: '127.0.0.1',
        issuer: origin,
        nodeEnv: 'test',
        adminEmail: ADMIN_EMAIL,
        adminPassword: ADMIN_PASSWORD,
        logLevel: 'warn',
      },
    ),
  );
  ({ browser, page, consoleErrors } = await openChromiumPage());
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

/** The viewport, or one region of the page (the whole page has grown past a useful picture). */
async function screenshot(name: string, region?: string): Promise<void> {
  const path = join(SCREENSHOTS, name);
  if (region === undefined) await page.screenshot({ path, type: 'png' });
  else await page.locator(region).screenshot({ path, type: 'png' });
  expect(statSync(path).size).toBeLessThan(MAX_SCREENSHOT_BYTES);
}

function expectStrictCsp(header: string | undefined): void {
  expect(header).toBeDefined();
  expect(header).not.toContain('unsafe-inline');
  expect(header).not.toContain('unsafe-eval');
  expect(header).toContain("script-src 'none'");
  expect(header).toMatch(/style-src 'nonce-[A-Za-z0-9+/=]+'/);
}

describe.skipIf(!inBrowser)('account page in a real browser', () => {
  it('signs in, lists and revokes sessions, and signs out', async () => {
    // A second session of the same user (an API client elsewhere), so there is one to revoke.
    const apiLogin = await fetch(`${origin}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'gatehouse-browser-test/1.0' },
      body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    });
    expect(apiLogin.status).toBe(200);
    const otherCookie = `${SESSION_COOKIE}=${sessionTokenFrom(apiLogin)}`;
    const asOther = () =>
      fetch(`${origin}/account`, { headers: { cookie: otherCookie, accept: 'application/json' } });
    expect((await asOther()).status).toBe(200);

    // Not signed in: the account page sends the browser to the login form.
    const first = await page.goto(`${origin}/account`);
    expect(first?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('return_to')).toBe('/account');
    expectStrictCsp(first?.headers()['content-security-policy']);
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Sign in to Gatehouse');

    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await screenshot('login.png');
    const [posted] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/login' && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    await page.waitForLoadState('load');
    const loginError =
      (await page.locator('#login-error').count()) > 0
        ? await page.locator('#login-error').textContent()
        : '';
    expect(posted.status(), `the login form was refused: ${loginError}`).toBe(303);
    expect(new URL(page.url()).pathname).toBe('/account');
    const signedIn = await posted.request().redirectedTo()?.response();
    expect(signedIn?.status()).toBe(200);
    expectStrictCsp(signedIn?.headers()['content-security-policy']);
    expect(await page.locator('#account-email').textContent()).toBe(ADMIN_EMAIL);

    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    const own = rows.filter({ hasText: 'This device' });
    const other = rows.filter({ hasNotText: 'This device' });
    expect(await own.count()).toBe(1);
    expect(await other.count()).toBe(1);
    expect(await other.textContent()).toContain('gatehouse-browser-test/1.0');
    await screenshot('account.png');

    // Revoke the other session from the page.
    await Promise.all([
      page.waitForURL(/\/account\?revoked=1$/),
      other.getByRole('button', { name: /Revoke/ }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toBe('The session was revoked.');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('This device');

    // The revoked session's cookie no longer authenticates anywhere.
    const revoked = await asOther();
    expect(revoked.status).toBe(401);

    // The profile form: saved without a script, shown again on the page.
    const profile = page.getByRole('region', { name: 'Profile' });
    await profile.getByLabel('Full name').fill('Browser Tester');
    await profile.getByLabel('Phone').fill('+15551234567');
    await Promise.all([
      page.waitForURL((url) => url.searchParams.has('profile_saved')),
      profile.getByRole('button', { name: 'Save profile' }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toBe('Your profile was saved.');
    expect(await page.getByRole('region', { name: 'Profile' }).getByLabel('Full name').inputValue()).toBe(
      'Browser Tester',
    );

    // An API key from the page: shown once, then listed by id and last four only, then revoked.
    const keys = page.getByRole('region', { name: 'API keys' });
    await keys.getByLabel('Name', { exact: true }).fill('browser test');
    await keys.getByLabel('Scopes').fill('users:read');
    const [created] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/account/api-keys/new'),
      page.getByRole('button', { name: 'Create API key' }).click(),
    ]);
    expect(created.status()).toBe(201);
    expect(created.headers()['cache-control']).toBe('no-store');
    const key = (await page.locator('#new-api-key').textContent()) ?? '';
    expect(key).toMatch(/^gatehouse_[0-9A-Za-z]{16}_[0-9A-Za-z]{49}$/);
    await screenshot('api-key-created.png');
    const withKey = () => fetch(`${origin}/admin/v1/users`, { headers: { 'x-api-key': key } });
    expect((await withKey()).status).toBe(200);
    await page.goto(`${origin}/account`);
    expect(await page.content()).not.toContain(key.slice(27, 70));
    const keyRows = page.locator('section[aria-labelledby="api-keys"] tbody tr');
    expect(await keyRows.count()).toBe(1);
    expect(await keyRows.first().textContent()).toContain(`…${key.slice(-4)}`);
    await screenshot('api-keys.png', 'section[aria-labelledby="api-keys"]');
    await Promise.all([
      page.waitForURL(/\/account\?key_revoked=1$/),
      keyRows.getByRole('button', { name: /Revoke API key/ }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toBe('The API key was revoked.');
    expect(await keyRows.count()).toBe(0);
    expect((await withKey()).status).toBe(401);

    // Sign out: back at the login form, and the account page is closed again.
    await Promise.all([
      page.waitForURL(/\/login\?logged_out=1$/),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toBe('You have been signed out.');
    const cookies = await page.context().cookies(origin);
    expect(cookies.find((c) => c.name === SESSION_COOKIE)).toBeUndefined();

    const again = await page.goto(`${origin}/account`);
    expect(again?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/login');

    expect(consoleErrors).toEqual([]);
  });

  it('changes the password on the account page, and the new one signs in', async () => {
    const signIn = async (password: string) => {
      await page.goto(`${origin}/login?return_to=%2Faccount`);
      await page.getByLabel('Email').fill(ADMIN_EMAIL);
      await page.getByLabel('Password').fill(password);
      await Promise.all([
        page.waitForLoadState('load'),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
    };
    await signIn(ADMIN_PASSWORD);
    expect(new URL(page.url()).pathname).toBe('/account');
    const section = page.getByRole('region', { name: 'Password' });
    const next = 'a lantern-lit canal at dusk 2217';

    // A breached password is refused, and the page says why; nothing changed.
    await section.getByLabel('Current password').fill(ADMIN_PASSWORD);
    await section.getByLabel('New password').fill('neversaymypassword');
    await Promise.all([
      page.waitForURL((url) => url.searchParams.has('password_breached')),
      section.getByRole('button', { name: 'Change password' }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toMatch(/known to attackers/);

    await section.getByLabel('Current password').fill(ADMIN_PASSWORD);
    await section.getByLabel('New password').fill(next);
    await Promise.all([
      page.waitForURL((url) => url.searchParams.has('password_changed')),
      section.getByRole('button', { name: 'Change password' }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toMatch(/Your password was changed/);
    // Still signed in (a fresh session), and only the new password works from now on.
    expect(await page.locator('#account-email').textContent()).toBe(ADMIN_EMAIL);
    await screenshot('password-changed.png');
    const tryLogin = (password: string) =>
      fetch(`${origin}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: ADMIN_EMAIL, password }),
      });
    expect((await tryLogin(ADMIN_PASSWORD)).status).toBe(401);
    expect((await tryLogin(next)).status).toBe(200);
    expect(consoleErrors).toEqual([]);
  });
});
