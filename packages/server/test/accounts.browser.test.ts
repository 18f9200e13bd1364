import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { browserTestsRun, openChromiumPage, SCREENSHOTS } from './chromium.ts';
import { SESSION_COOKIE, strongPassword } from './harness.ts';
import { freePort } from './processes.ts';
import { SmtpSink } from './smtp-sink.ts';

/**
 * The account lifecycle in a real browser, with real email: sign up on the page, read the
 * verification email from an SMTP server (smtp-server in process), follow its link, sign in, sign
 * out, ask for a reset link, follow it, choose a new password, sign in with it. As in
 * account.browser.test.ts the server listens on 127.0.0.1 and the browser uses localhost (the
 * `__Host-` cookie needs a secure origin).
 */
const inBrowser = browserTestsRun();
const EMAIL = 'browser.person@example.test';

let dataDir: string;
let server: RunningServer;
let smtp: SmtpSink;
let origin: string;
let browser: Browser;
let page: Page;
let consoleErrors: string[] = [];

beforeAll(async () => {
  if (!inBrowser) return;
  dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-accounts-browser-'));
  smtp = await new SmtpSink().start();
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
        logLevel: 'warn',
        registration: 'open',
        smtpUrl: smtp.url,
        mailPollIntervalMs: 100,
      },
    ),
  );
  ({ browser, page, consoleErrors } = await openChromiumPage());
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp?.stop();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

/** The newest link to `path` in the `n`-th email to EMAIL, waiting for the worker to send it. */
async function linkFromEmail(n: number, path: string): Promise<string> {
  await expect
    .poll(() => smtp.delivered.filter((d) => d.envelopeTo.includes(EMAIL)).length, { timeout: 15_000 })
    .toBe(n);
  const delivered = smtp.delivered.filter((d) => d.envelopeTo.includes(EMAIL))[n - 1];
  const match = new RegExp(`${origin}${path}\\?token=[A-Za-z0-9_%-]+`).exec(delivered?.mail.text ?? '');
  if (match === null) throw new Error(`no ${path} link in: ${delivered?.mail.text}`);
  return match[0];
}

async function submit(button: string, path: string): Promise<number | undefined> {
  const [posted] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === path && r.request().method() === 'POST'),
    page.getByRole('button', { name: button }).click(),
  ]);
  await page.waitForLoadState('load');
  return posted.status();
}

async function signIn(password: string): Promise<void> {
  await page.goto(`${origin}/login`);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(password);
  expect(await submit('Sign in', '/login')).toBe(303);
  expect(new URL(page.url()).pathname).toBe('/account');
}

async function hasSessionCookie(): Promise<boolean> {
  return (await page.context().cookies()).some((c) => c.name === SESSION_COOKIE);
}

describe.skipIf(!inBrowser)('the account lifecycle in a real browser', () => {
  it('sign-up → email (SMTP) → verify → sign in → forgot → reset → sign in', async () => {
    const password = strongPassword();
    await page.goto(`${origin}/signup`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Name (optional)').fill('Browser Person');
    await page.getByLabel('New password').fill(password);
    const signup = join(SCREENSHOTS, 'signup.png');
    await page.screenshot({ path: signup, type: 'png' });
    expect(statSync(signup).size).toBeLessThan(200 * 1024);
    expect(await submit('Sign up', '/signup')).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your email');

    await page.goto(await linkFromEmail(1, '/verify-email'));
    expect(await submit('Confirm', '/verify-email')).toBe(200);
    expect(await page.getByRole('status').textContent()).toBe('Your email address is verified.');

    await signIn(password);
    expect(await page.locator('#email-status').textContent()).toBe('Your address is verified.');
    expect(await submit('Sign out', '/logout')).toBe(303);
    expect(await hasSessionCookie()).toBe(false);

    // Signed out on the sign-in page, which links to the reset request.
    expect(new URL(page.url()).pathname).toBe('/login');
    await Promise.all([
      page.waitForURL(/\/forgot-password$/),
      page.getByRole('link', { name: 'Forgot your password?' }).click(),
    ]);
    await page.getByLabel('Email').fill(EMAIL);
    expect(await submit('Send link', '/forgot-password')).toBe(200);
    expect(await page.getByRole('status').textContent()).toContain('If that address is registered');

    const resetPage = await page.goto(await linkFromEmail(2, '/reset-password'));
    expect(resetPage?.headers()['referrer-policy']).toBe('no-referrer');
    expect(resetPage?.headers()['cache-control']).toBe('no-store');
    const newPassword = strongPassword();
    await page.getByLabel('New password').fill(newPassword);
    expect(await submit('Set password', '/reset-password')).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Password changed');
    expect(await hasSessionCookie()).toBe(false);
    await expect
      .poll(() => smtp.delivered.filter((d) => d.envelopeTo.includes(EMAIL)).at(-1)?.mail.subject)
      .toBe('Your password was changed');

    await signIn(newPassword);
    expect(await page.locator('#account-email').textContent()).toBe(EMAIL);
    expect(consoleErrors).toEqual([]);
  });
});
