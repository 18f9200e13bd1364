import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { totpCode } from '@gatehouse/core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { browserTestsRun, openChromiumPage, SCREENSHOTS } from './chromium.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './harness.ts';
import { freePort } from './processes.ts';

/**
 * Password + TOTP in a real browser: enrol an authenticator app on the account page (the code is
 * computed here from the key the page shows), sign out, sign in with the password and a code.
 * As in account.browser.test.ts, the server listens on 127.0.0.1 and the browser uses localhost.
 */

let dataDir: string;
let server: RunningServer;
let origin: string;
let browser: Browser;
let page: Page;
let consoleErrors: string[] = [];

const inBrowser = browserTestsRun();

beforeAll(async () => {
  if (!inBrowser) return;
  dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-mfa-browser-'));
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

async function signInWithPassword(): Promise<void> {
  await page.getByLabel('Email').fill(ADMIN_EMAIL);
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
}

describe.skipIf(!inBrowser)('two-step verification in a real browser', () => {
  it('enrols TOTP on the account page, signs out, and signs in with the password and a code', async () => {
    await page.goto(`${origin}/account`);
    await signInWithPassword();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/account');

    await page.getByLabel('Your password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Add an authenticator app' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Add an authenticator app');
    expect(await page.locator('figure.qr svg').count()).toBe(1);
    await page.screenshot({ path: join(SCREENSHOTS, 'mfa-enrol.png'), type: 'png' });
    const secret = ((await page.locator('#totp-secret').textContent()) ?? '').replaceAll(' ', '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.getByLabel('Code shown by the app').fill(totpCode(secret, Date.now()));
    await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Your recovery codes');
    expect(await page.locator('#recovery-codes li').count()).toBe(10);

    await page.getByRole('link', { name: 'Back to your account' }).click();
    await expect
      .poll(() => page.locator('#recovery-codes-left').textContent())
      .toBe('Recovery codes left: 10');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');

    await signInWithPassword();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Two-step verification');
    const field = page.getByLabel('Code from your authenticator app');
    expect(await field.getAttribute('autocomplete')).toBe('one-time-code');
    // The next step's code (within the ±1 window): the enrolment's own code is never accepted again.
    await field.fill(totpCode(secret, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/account');
    expect(await page.locator('#account-email').textContent()).toBe(ADMIN_EMAIL);
    expect(consoleErrors).toEqual([]);
  });
});
