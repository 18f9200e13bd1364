import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { servicesRequired } from '@gatehouse/testkit';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`), or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));

/**
 * Whether this machine can run the browser tests. Without Chromium they are skipped with a loud
 * warning, unless CI (or GATEHOUSE_REQUIRE_SERVICES=1) is set: then a missing browser is a failure,
 * so CI can never turn the browser tests into silent no-ops.
 */
export function browserTestsRun(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `Chromium is not installed at ${CHROMIUM}`;
  if (servicesRequired)
    throw new Error(`${message}; the browser tests are required in CI (apt-get install -y chromium).`);
  console.warn(
    `\n*** SKIPPING the browser tests: ${message}. apt-get install -y chromium, or set CHROMIUM_PATH ***\n`,
  );
  return false;
}

/**
 * Headless Chromium with one page, for the browser tests. Page errors and console errors are
 * collected (the browser's own favicon probe excepted: there is no favicon), so a test can assert
 * that none happened.
 */
export async function openChromiumPage(): Promise<{ browser: Browser; page: Page; consoleErrors: string[] }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH.`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await (await browser.newContext({ viewport: { width: 1000, height: 700 } })).newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location().url;
    if (url !== '' && new URL(url).pathname === '/favicon.ico') return;
    consoleErrors.push(`${message.text()} (${url})`);
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  mkdirSync(SCREENSHOTS, { recursive: true });
  return { browser, page, consoleErrors };
}
