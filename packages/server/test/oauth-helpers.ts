import type { ClientInput, IssuedClient } from '../src/oauth/client-registry.ts';
import { createHarness, type Harness } from './harness.ts';
import { freePort } from './processes.ts';

export const RP_CALLBACK = 'https://rp.test/cb';
export const NOTES_API = 'https://notes.example.test';

/** A Gatehouse listening on a real port (the relying party speaks HTTP to it, as in production). */
export async function startOAuthServer(
  overrides: Record<string, unknown> = {},
  options: Parameters<typeof createHarness>[1] = {},
): Promise<Harness & { issuer: string }> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const h = await createHarness({ issuer, port, ...overrides }, options);
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
    this.#keepCookies(response);
    return response;
  }

  /**
   * A form on another site (`site`) posted to `url` as a top-level navigation: it carries no
   * SameSite=Lax cookie, and Fetch Metadata says cross-site. Follows same-origin redirects (GET
   * navigations, which carry the cookies again).
   */
  async postFrom(site: string, url: string, form: Record<string, string>) {
    const response = await fetch(new URL(url, this.origin), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'navigate',
        origin: site,
      },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    this.#keepCookies(response);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null)
      return { response, url: new URL(url, this.origin).href };
    const next = new URL(location, this.origin);
    if (next.origin !== this.origin) return { response, url: next.href };
    return this.navigate(next.href);
  }

  #keepCookies(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair === undefined || eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
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
    if (response.status >= 300 && response.status < 400 && location !== null) {
      const next = new URL(location, this.origin);
      // Off-site (the client's redirect URI): report where it goes, never fetch it.
      if (next.origin !== this.origin) return { response, url: next.href };
      return this.navigate(next.href);
    }
    return { response, url: new URL(path, this.origin).href };
  }

  /** Answers the consent page in `page` with allow or deny. */
  async consent(page: { response: Response; url: string }, decision: 'allow' | 'deny') {
    const body = await page.response.text();
    const action = /action="(\/oauth\/interaction\/[^"]+\/consent)"/.exec(body)?.[1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(body)?.[1];
    if (action === undefined || csrf === undefined)
      throw new Error(`not a consent page: ${body.slice(-700)}`);
    return this.submit(action, { csrf, decision });
  }
}

function decodeEntities(value: string): string {
  return value
    .replace(/&amp;/g, '&')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"');
}

export interface RpSetup {
  config: import('openid-client').Configuration;
  clientId: string;
  secret: string | null;
}

/** An openid-client configuration for a registered client (discovery over real HTTP). */
export async function relyingParty(h: { issuer: string }, issued: IssuedClient): Promise<RpSetup> {
  const oidc = await import('openid-client');
  // The RP authenticates the one way the client is registered for (Gatehouse refuses the other).
  const secret = issued.secret;
  const config = await oidc.discovery(
    new URL(h.issuer),
    issued.client.clientId,
    secret === null ? { token_endpoint_auth_method: 'none' } : secret,
    secret === null
      ? oidc.None()
      : issued.client.authMethod === 'client_secret_post'
        ? oidc.ClientSecretPost(secret)
        : oidc.ClientSecretBasic(secret),
    { execute: [oidc.allowInsecureRequests] },
  );
  return { config, clientId: issued.client.clientId, secret: issued.secret };
}

/**
 * One authorization-code + PKCE round trip driven through `browser`: signs in when the login page
 * shows, consents when asked. Returns openid-client's token response.
 */
export async function codeFlow(
  rp: RpSetup,
  browser: Browser,
  options: {
    scope?: string;
    resource?: string;
    extra?: Record<string, string>;
    credentials?: { email: string; password: string };
    consent?: 'allow' | 'deny';
    redirectUri?: string;
  } = {},
) {
  const oidc = await import('openid-client');
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: options.redirectUri ?? RP_CALLBACK,
    scope: options.scope ?? 'openid email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...(options.resource === undefined ? {} : { resource: options.resource }),
    ...options.extra,
  });
  let step = await browser.navigate(url.href);
  const screens: string[] = [];
  for (let i = 0; i < 4 && new URL(step.url).origin === browser.origin; i++) {
    if (step.url.includes('/login')) {
      screens.push('login');
      const who = options.credentials ?? {
        email: 'admin@example.test',
        password: 'tangerine orbit quietly 4417',
      };
      step = await browser.signIn(step, who.email, who.password);
    } else if (step.url.includes('/oauth/interaction/')) {
      screens.push('consent');
      step = await browser.consent(step, options.consent ?? 'allow');
    } else break;
  }
  const callback = new URL(step.url);
  if (callback.searchParams.has('error')) return { screens, callback, tokens: undefined, verifier, state };
  const tokens = await oidc.authorizationCodeGrant(rp.config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  return { screens, callback, tokens, verifier, state };
}

/** Decodes a JWT's header and payload without verifying (tests verify separately). */
export function decodeJwt(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header ?? '', 'base64url').toString()),
    payload: JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()),
  };
}

export function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** The hidden inputs of the engine's form on a page. */
export function hiddenFields(page: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
    fields[match[1] ?? ''] = match[2] ?? '';
  return fields;
}
