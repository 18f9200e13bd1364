import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createGatehouse } from '../src/gatehouse.ts';
import { createLogger } from '../src/logger.ts';
import { asSession, createHarness, createUser, type Harness, login, strongPassword } from './harness.ts';

/**
 * NIST SP 800-63B §3.1.1.2: a new password is looked up in lists of passwords known to attackers —
 * the bundled list (offline), an operator's own file, and the Have I Been Pwned range API when
 * configured (k-anonymity: 5 hex digits of the SHA-1 leave the server, responses padded).
 */

/** In the bundled list, long enough for the default policy and past its own rules. */
const LISTED = 'neversaymypassword';
const sha1 = (value: string) => createHash('sha1').update(value).digest('hex').toUpperCase();

/** A stand-in for api.pwnedpasswords.com speaking its range protocol, recording what it was asked. */
class RangeApi {
  readonly requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  readonly breached = new Set<string>();
  /** Passwords whose suffix comes back as padding (count 0). */
  readonly padded = new Set<string>();
  status = 200;
  #server: Server | undefined;

  async start(): Promise<string> {
    this.#server = createServer((request, response) => {
      this.requests.push({ url: request.url ?? '', headers: request.headers });
      const prefix = (request.url ?? '').split('/').at(-1) ?? '';
      const lines = [...this.breached]
        .map(sha1)
        .filter((digest) => digest.startsWith(prefix))
        .map((digest) => `${digest.slice(5)}:42`);
      // Padding as the real API sends it: suffixes with a count of 0.
      lines.push(`${'0'.repeat(35)}:0`);
      for (const digest of [...this.padded].map(sha1))
        if (digest.startsWith(prefix)) lines.push(`${digest.slice(5)}:0`);
      response.writeHead(this.status, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/range/`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}

describe('the bundled list and an operator’s own', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a password from the bundled breached-password list is refused on every path, naming the reason', async () => {
    const user = await createUser(h, 'listed@example.test', strongPassword());
    await expect(h.gatehouse.accounts.setPassword(user.id, LISTED)).rejects.toMatchObject({
      code: 'password_policy',
      detail: expect.stringMatching(/known to attackers/),
    });
    await expect(h.gatehouse.accounts.setPassword(user.id, LISTED.toUpperCase())).rejects.toMatchObject({
      code: 'password_policy',
    });
    await expect(
      h.gatehouse.accounts.createUser({ email: 'other@example.test', password: LISTED }),
    ).rejects.toMatchObject({ code: 'password_policy' });
    // A password that is not on the list passes.
    await h.gatehouse.accounts.setPassword(user.id, 'seldom heard cobalt wheelbarrow tune');
  });

  it('an operator’s list is checked beside the bundled one; a missing file stops start-up', async () => {
    const file = join(h.dataDir, 'blocklist.txt');
    writeFileSync(file, 'Our Company Name Spring 2026\r\nanother local favourite\n');
    const g = await createGatehouse(
      loadConfig(
        {},
        { dataDir: h.dataDir, nodeEnv: 'test', logLevel: 'silent', passwordBlocklistFile: file },
      ),
      createLogger('silent'),
    );
    try {
      const user = await g.accounts.createUser({
        email: 'own-list@example.test',
        password: strongPassword(),
      });
      await expect(g.accounts.setPassword(user.id, 'our company name spring 2026')).rejects.toMatchObject({
        code: 'password_policy',
      });
      await expect(g.accounts.setPassword(user.id, LISTED)).rejects.toMatchObject({
        code: 'password_policy',
      });
    } finally {
      await g.close();
    }
    await expect(
      createGatehouse(
        loadConfig(
          {},
          {
            dataDir: h.dataDir,
            nodeEnv: 'test',
            logLevel: 'silent',
            passwordBlocklistFile: `${file}.missing`,
          },
        ),
        createLogger('silent'),
      ),
    ).rejects.toThrow(/GATEHOUSE_PASSWORD_BLOCKLIST_FILE cannot be read: ENOENT/);
  });
});

describe('Have I Been Pwned range API', () => {
  const api = new RangeApi();
  let h: Harness;
  const BREACHED = 'crimson lantern over the estuary';
  beforeAll(async () => {
    api.breached.add(BREACHED);
    h = await createHarness({ hibpRangeUrl: await api.start() });
  });
  afterAll(async () => {
    await h?.close();
    await api.stop();
  });

  it('only a 5-digit prefix of the SHA-1 leaves the server, with padding asked for', async () => {
    const user = await createUser(h, 'pwned@example.test', strongPassword());
    api.requests.length = 0;
    await expect(h.gatehouse.accounts.setPassword(user.id, BREACHED)).rejects.toMatchObject({
      code: 'password_policy',
      detail: expect.stringMatching(/known to attackers/),
    });
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]!.url).toBe(`/range/${sha1(BREACHED).slice(0, 5)}`);
    expect(api.requests[0]!.headers['add-padding']).toBe('true');
    expect(JSON.stringify(api.requests)).not.toContain(sha1(BREACHED).slice(5));
  });

  it('padding entries (count 0) are not breaches; a password the API does not list is accepted', async () => {
    const user = await createUser(h, 'padding@example.test', strongPassword());
    const padded = 'amber kestrel circling the quarry';
    api.padded.add(padded);
    api.requests.length = 0;
    await h.gatehouse.accounts.setPassword(user.id, padded);
    expect(api.requests).toHaveLength(1);
    await h.gatehouse.accounts.setPassword(user.id, 'quiet orchard beneath the viaduct');
  });

  it('an unavailable API lets the password through on the offline lists, with a warning logged', async () => {
    const user = await createUser(h, 'outage@example.test', strongPassword());
    api.status = 503;
    try {
      await h.gatehouse.accounts.setPassword(user.id, BREACHED);
      await expect(h.gatehouse.accounts.setPassword(user.id, LISTED)).rejects.toMatchObject({
        code: 'password_policy',
      });
    } finally {
      api.status = 200;
    }
    const warning = h.logs.find((line) => line.includes('breached-password lookup failed'));
    expect(warning).toBeDefined();
    expect(warning).not.toContain(BREACHED);
  });
});

describe('the account page changes the password', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const form = (session: { cookie: string }, body: Record<string, string>) =>
    h.app.inject({
      method: 'POST',
      url: '/account/password/change',
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(body).toString(),
    });

  it('the page has a labelled form for the current and the new password', async () => {
    const pw = strongPassword();
    await createUser(h, 'page@example.test', pw);
    const session = await login(h.app, 'page@example.test', pw);
    const page = await h.app.inject({
      method: 'GET',
      url: '/account',
      headers: { cookie: session.cookie, accept: 'text/html' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<form class="stack" method="post" action="\/account\/password\/change">/);
    expect(page.body).toMatch(
      /<label>Current password <input name="current_password" type="password" required autocomplete="current-password"/,
    );
    expect(page.body).toMatch(
      /<label>New password <input name="new_password" type="password" required autocomplete="new-password" minlength="15"/,
    );
  });

  it('a change through the form issues a new session, ends the others, and says so', async () => {
    const pw = strongPassword();
    await createUser(h, 'form@example.test', pw);
    const session = await login(h.app, 'form@example.test', pw);
    const other = await login(h.app, 'form@example.test', pw);
    const next = strongPassword();
    const response = await form(session, { csrf: session.csrf, current_password: pw, new_password: next });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/account?password_changed=1#password');
    const cookie = response.cookies.find((c) => c.name === '__Host-gatehouse_session');
    expect(cookie?.value).toBeTruthy();
    expect(cookie?.value).not.toBe(session.token);
    const page = await h.app.inject({
      method: 'GET',
      url: '/account?password_changed=1',
      headers: { cookie: `__Host-gatehouse_session=${cookie!.value}`, accept: 'text/html' },
    });
    expect(page.body).toContain('Your password was changed.');
    expect((await asSession(h.app, other, 'GET', '/account')).statusCode).toBe(401);
    await login(h.app, 'form@example.test', next);
  });

  it('a wrong current password or a refused new one changes nothing and names why', async () => {
    const pw = strongPassword();
    await createUser(h, 'refused@example.test', pw);
    const session = await login(h.app, 'refused@example.test', pw);
    const wrong = await form(session, {
      csrf: session.csrf,
      current_password: 'not it at all, sorry',
      new_password: strongPassword(),
    });
    expect(wrong.headers.location).toBe('/account?password_current=1#password');
    const listed = await form(session, { csrf: session.csrf, current_password: pw, new_password: LISTED });
    expect(listed.headers.location).toBe('/account?password_breached=1#password');
    const short = await form(session, {
      csrf: session.csrf,
      current_password: pw,
      new_password: 'short one',
    });
    expect(short.headers.location).toBe('/account?password_too_short=1#password');
    const page = await h.app.inject({
      method: 'GET',
      url: '/account?password_breached=1',
      headers: { cookie: session.cookie, accept: 'text/html' },
    });
    expect(page.body).toContain('appears in lists of passwords known to attackers');
    await login(h.app, 'refused@example.test', pw);
  });

  it('the form needs the CSRF token', async () => {
    const pw = strongPassword();
    await createUser(h, 'csrf-pw@example.test', pw);
    const session = await login(h.app, 'csrf-pw@example.test', pw);
    const response = await form(session, {
      csrf: 'forged',
      current_password: pw,
      new_password: strongPassword(),
    });
    expect(response.statusCode).toBe(403);
    await login(h.app, 'csrf-pw@example.test', pw);
  });
});
