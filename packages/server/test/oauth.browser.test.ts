import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRelyingParty } from '@gatehouse/example-oauth-rp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { browserTestsRun, openChromiumPage, SCREENSHOTS } from './chromium.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './harness.ts';
import { freePort } from './processes.ts';

/**
 * OpenID Connect in a real browser: the example relying party (examples/oauth-rp, openid-client)
 * sends Chromium to Gatehouse, which shows its login page, then its consent page, then sends the
 * browser back to the app with a code the app exchanges. Both run on localhost (the `__Host-`
 * cookie needs a trustworthy origin); Gatehouse listens on every loopback address so the app's
 * server-side calls reach it whichever address `localhost` resolves to.
 */

let dataDir: string;
let server: RunningServer;
let rp: Awaited<ReturnType<typeof startRelyingParty>>;
let rpOrigin: string;
let browser: Browser;
let page: Page;
let consoleErrors: string[] = [];

const inBrowser = browserTestsRun();

beforeAll(async () => {
  if (!inBrowser) return;
  dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-oauth-browser-'));
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  server = await startServer(
    loadConfig(
      {},
      {
        dataDir,
        port,
        host: '::',
        issuer,
        nodeEnv: 'test',
        adminEmail: ADMIN_EMAIL,
        adminPassword: ADMIN_PASSWORD,
        logLevel: 'warn',
      },
    ),
  );
  const rpPort = await freePort();
  rpOrigin = `http://localhost:${rpPort}`;
  const { client } = await server.gatehouse.oauth.registry.create({
    name: 'Example app',
    type: 'public',
    redirectUris: [`${rpOrigin}/callback`],
    grantTypes: ['authorization_code'],
    scopes: ['openid', 'email'],
  });
  rp = await startRelyingParty(
    { issuer, clientId: client.clientId, redirectUri: `${rpOrigin}/callback`, allowInsecureIssuer: true },
    rpPort,
  );
  ({ browser, page, consoleErrors } = await openChromiumPage());
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => rp?.server.close(resolve));
  await server?.close();
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(!inBrowser)('sign in with Gatehouse from a relying party, in a real browser', () => {
  it('login → consent → back at the app, signed in', async () => {
    await page.goto(rpOrigin);
    await Promise.all([
      page.waitForURL(/\/login\?return_to=/),
      page.getByRole('link', { name: 'Sign in with Gatehouse' }).click(),
    ]);
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await Promise.all([
      page.waitForURL(/\/oauth\/interaction\//),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);

    // The consent page names the app and what it asks for; it runs no script and cannot be framed.
    expect(await page.locator('#client-name').textContent()).toBe('Example app');
    expect(await page.locator('#scopes').textContent()).toContain('email');
    const csp = (await page.context().request.get(page.url())).headers()['content-security-policy'];
    expect(csp).toContain("frame-ancestors 'none'");
    const path = join(SCREENSHOTS, 'consent.png');
    await page.screenshot({ path, type: 'png' });
    expect(statSync(path).size).toBeLessThan(200 * 1024);

    await Promise.all([
      page.waitForURL(`${rpOrigin}/callback?**`),
      page.getByRole('button', { name: 'Allow' }).click(),
    ]);
    await expect.poll(() => page.locator('#who').textContent()).toBe(ADMIN_EMAIL);
    expect(consoleErrors).toEqual([]);
  });

  it('AUTHZ-07: Cancel on the login page goes back to the app with access_denied (the CSP lets it)', async () => {
    const fresh = await (await browser.newContext()).newPage();
    await fresh.goto(rpOrigin);
    await Promise.all([
      fresh.waitForURL(/\/login\?return_to=/),
      fresh.getByRole('link', { name: 'Sign in with Gatehouse' }).click(),
    ]);
    const [callback] = await Promise.all([
      fresh.waitForRequest((request) => request.url().startsWith(`${rpOrigin}/callback`)),
      fresh.getByRole('button', { name: 'Cancel' }).click(),
    ]);
    const params = new URL(callback.url()).searchParams;
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('state')).toBeTruthy();
    expect(params.has('code')).toBe(false);
    await fresh.context().close();
  });

  it('issue 15 #1: a person types the device code in Chromium, confirms, signs in and the device gets tokens', async () => {
    const { client } = await server.gatehouse.oauth.registry.create({
      name: 'Notes CLI',
      type: 'public',
      redirectUris: [],
      grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'],
      scopes: ['openid', 'email'],
    });
    const issuer = server.gatehouse.config.issuer;
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
      device_authorization_endpoint: string;
      token_endpoint: string;
    };
    const started = await fetch(discovery.device_authorization_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: client.clientId, scope: 'openid email' }),
    });
    expect(started.status).toBe(200);
    const device = (await started.json()) as {
      device_code: string;
      user_code: string;
      verification_uri: string;
    };

    const context = await browser.newContext();
    const person = await context.newPage();
    const errors: string[] = [];
    person.on('console', (m) => {
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) errors.push(m.text());
    });
    await person.goto(device.verification_uri);
    await person.getByLabel('Code').fill(device.user_code);
    await person.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => person.locator('h1').textContent()).toBe('Confirm the device');
    expect(await person.locator('body').textContent()).toContain(device.user_code);
    await Promise.all([
      person.waitForURL(/\/login\?return_to=/),
      person.getByRole('button', { name: 'Continue' }).click(),
    ]);
    await person.getByLabel('Email').fill(ADMIN_EMAIL);
    await person.getByLabel('Password').fill(ADMIN_PASSWORD);
    await Promise.all([
      person.waitForURL(/\/oauth\/interaction\//),
      person.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    await person.getByRole('button', { name: 'Allow' }).click();
    await expect.poll(() => person.locator('h1').textContent()).toBe('Device connected');
    expect(errors).toEqual([]);

    const tokens = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: device.device_code,
        client_id: client.clientId,
      }),
    });
    expect(tokens.status).toBe(200);
    expect(((await tokens.json()) as { access_token?: string }).access_token).toBeTruthy();
    await context.close();
  });
});
