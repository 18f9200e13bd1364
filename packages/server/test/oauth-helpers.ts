import type { ClientInput, IssuedClient } from '../src/oauth/client-registry.ts';
import { createHarness, type Harness } from './harness.ts';
import { freePort } from './processes.ts';

export const RP_CALLBACK = 'https://rp.test/cb';
export const NOTES_API = 'https://notes.example.test';

/** A Gatehouse listening on a real port (the relying party speaks HTTP to it, as in production). */
export async function startOAuthServer(
  overrides: Record<string, unknown> = {},
): Promise<Harness & { issuer: string }> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const h = await createHarness({ issuer, port, ...overrides });
  await h.app.listen({ port, host: '127.0.0.1' });
  return Object.assign(h, { issuer });
}

export function createClient(h: Harness, input: Partial<ClientInput> = {}): Promise<IssuedClient> {
  return h.gatehouse.oauth.registry.create({
    name: 'Notes web',
    type: 'confidential',
    redirectUris: [RP_CALLBACK],
    grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
    scopes: ['openid', 'email', 'offline_access', 'notes:read', 'notes:write'],
    resources: [NOTES_API],
    ...input,
  });
}

/**
 * A browser without a screen: a cookie jar and manual redirects. It follows redirects on the
 * issuer's origin and stops at the first one that leaves it (the client's redirect URI).
 */
export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(readonly origin: string) {}

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0)
      headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    headers.set('sec-fetch-site', 'same-origin');
    const response = await fetch(new URL(url, this.origin), { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair === undefined || eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** GETs `url` and follows same-origin redirects; returns the last response and its URL. */
  async navigate(url: string, init: RequestInit = {}): Promise<{ response: Response; url: string }> {
    let current = new URL(url, this.origin).href;
    let response = await this.fetch(current, init);
    for (let hops = 0; hops < 20 && response.status >= 300 && response.status < 400; hops++) {
      const location = response.headers.get('location');
      if (location === null) break;
      const next = new URL(location, current);
      if (next.origin !== this.origin) return { response, url: next.href };
      current = next.href;
      response = await this.fetch(current);
    }
    return { response, url: current };
  }

  /** Submits the login form shown at `url` (a /login page) and follows on. */
  async signIn(loginPage: { response: Response; url: string }, email: string, password: string) {
    const page = await loginPage.response.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const returnTo = /name="return_to" value="([^"]+)"/.exec(page)?.[1] ?? '';
    return this.submit('/login', { email, password, csrf, return_to: decodeEntities(returnTo) });
  }

  async submit(path: string, form: Record<string, string>) {
    const response = await this.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) return this.navigate(location);
    return { response, url: new URL(path, this.origin).href };
  }

  /** Answers the consent page in `page` with allow or deny. */
  async consent(page: { response: Response; url: string }, decision: 'allow' | 'deny') {
    const body = await page.response.text();
    const action = /action="(\/oauth\/interaction\/[^"]+\/consent)"/.exec(body)?.[1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(body)?.[1];
    if (action === undefined || csrf === undefined)
      throw new Error(`not a consent page: ${body.slice(0, 300)}`);
    return this.submit(action, { csrf, decision });
  }
}

function decodeEntities(value: string): string {
  return value
    .replace(/&amp;/g, '&')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"');
}
