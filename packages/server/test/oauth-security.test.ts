import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './harness.ts';
import { Browser, basic, createClient, decodeJwt, RP_CALLBACK, startOAuthServer } from './oauth-helpers.ts';

/** Checklist items for the authorization and token endpoints, spoken as raw HTTP. */
let h: Awaited<ReturnType<typeof startOAuthServer>>;
let c1: { id: string; secret: string };
let c2: { id: string; secret: string };
let p1: { id: string };
const R2 = 'https://rp.test/cb2';
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

beforeAll(async () => {
  h = await startOAuthServer();
  const one = await createClient(h, {
    name: 'C1',
    redirectUris: [RP_CALLBACK, R2, 'https://rp.test/q?tenant=a'],
    scopes: ['openid', 'profile', 'email', 'address', 'phone', 'offline_access', 'notes:read', 'notes:write'],
  });
  const two = await createClient(h, { name: 'C2' });
  const pub = await createClient(h, {
    name: 'P1',
    type: 'public',
    redirectUris: ['http://127.0.0.1/cb'],
    grantTypes: ['authorization_code', 'refresh_token'],
  });
  c1 = { id: one.client.clientId, secret: one.secret ?? '' };
  c2 = { id: two.client.clientId, secret: two.secret ?? '' };
  p1 = { id: pub.client.clientId };
});
afterAll(async () => {
  await h?.close();
});

function authorizeUrl(params: Record<string, string | string[]>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    for (const one of Array.isArray(value) ? value : [value]) query.append(name, one);
  return `/oauth/authorize?${query}`;
}

const base = (overrides: Record<string, string | string[]> = {}) => ({
  client_id: c1.id,
  response_type: 'code',
  redirect_uri: RP_CALLBACK,
  scope: 'openid',
  state: 'xyz-state',
  code_challenge: RFC_CHALLENGE,
  code_challenge_method: 'S256',
  ...overrides,
});

/** Runs the authorization request to the point it leaves Gatehouse (or shows a page). */
async function authorize(
  browser: Browser,
  params: Record<string, string | string[]>,
  init: RequestInit = {},
) {
  let step = await browser.navigate(authorizeUrl(params), init);
  for (let i = 0; i < 3 && new URL(step.url).origin === h.issuer; i++) {
    if (step.url.includes('/login')) step = await browser.signIn(step, ADMIN_EMAIL, ADMIN_PASSWORD);
    else if (step.url.includes('/oauth/interaction/')) step = await browser.consent(step, 'allow');
    else break;
  }
  return step;
}

/** An error page: a 400 HTML answer, no redirect anywhere. */
async function expectErrorPage(step: { response: Response; url: string }) {
  expect(new URL(step.url).origin).toBe(h.issuer);
  expect(step.response.status).toBe(400);
  expect(step.response.headers.get('location')).toBeNull();
  expect(step.response.headers.get('content-type')).toContain('text/html');
  const body = await step.response.text();
  expect(body).not.toMatch(/at .*\.js:\d+/); // no stack trace
  return body;
}

function redirectParams(step: { url: string }): URLSearchParams {
  return new URL(step.url).searchParams;
}

async function tokenRequest(fields: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(`${h.issuer}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

/** A fresh code for C1 (signed-in browser, consent given). */
async function codeFor(browser: Browser, overrides: Record<string, string | string[]> = {}) {
  const step = await authorize(browser, base(overrides));
  const code = redirectParams(step).get('code');
  if (code === null) throw new Error(`no code: ${step.url}`);
  return code;
}

const exchange = (code: string, overrides: Record<string, string> = {}, auth = basic(c1.id, c1.secret)) =>
  tokenRequest(
    {
      grant_type: 'authorization_code',
      code,
      redirect_uri: RP_CALLBACK,
      code_verifier: RFC_VERIFIER,
      ...overrides,
    },
    auth === '' ? {} : { authorization: auth },
  );

describe('PKCE (S256 required for every client)', () => {
  it('PKCE-01: the RFC 7636 appendix B pair works', async () => {
    const code = await codeFor(new Browser(h.issuer));
    const result = await exchange(code);
    expect(result.status).toBe(200);
    expect(result.body.access_token).toBeTypeOf('string');
  });

  it('PKCE-02: a missing or wrong verifier is invalid_grant', async () => {
    const browser = new Browser(h.issuer);
    const missing = await exchange(await codeFor(browser), { code_verifier: '' });
    expect(missing.body.error).toMatch(/invalid_grant|invalid_request/);
    const wrong = await exchange(await codeFor(browser), { code_verifier: 'a'.repeat(43) });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');
  });

  it('PKCE-03 PKCE-04: no challenge is refused up front, for confidential and public clients', async () => {
    const browser = new Browser(h.issuer);
    for (const client of [c1.id, p1.id]) {
      const params: Record<string, string> = {
        ...base({
          client_id: client,
          redirect_uri: client === p1.id ? 'http://127.0.0.1:51004/cb' : RP_CALLBACK,
        }),
      };
      delete params.code_challenge;
      delete params.code_challenge_method;
      const step = await browser.navigate(authorizeUrl(params));
      const query = redirectParams(step);
      expect(query.get('error'), client).toBe('invalid_request');
      expect(query.get('state')).toBe('xyz-state');
      expect(query.has('code')).toBe(false);
    }
  });

  it('PKCE-05: plain, omitted and unknown methods and malformed challenges are invalid_request', async () => {
    const browser = new Browser(h.issuer);
    for (const overrides of [
      { code_challenge_method: 'plain' },
      { code_challenge_method: 'S512' },
      { code_challenge: 'too-short' },
    ]) {
      const step = await browser.navigate(authorizeUrl(base(overrides)));
      expect(redirectParams(step).get('error'), JSON.stringify(overrides)).toBe('invalid_request');
    }
    const omitted: Record<string, string> = { ...base() };
    delete omitted.code_challenge_method;
    const step = await browser.navigate(authorizeUrl(omitted));
    expect(redirectParams(step).get('error')).toBe('invalid_request');
  });
});

describe('redirect URIs (exact match)', () => {
  it('REDIR-01: unregistered or omitted (with two registered) gives an error page', async () => {
    const browser = new Browser(h.issuer);
    await expectErrorPage(
      await browser.navigate(authorizeUrl(base({ redirect_uri: 'https://evil.test/cb' }))),
    );
    const omitted: Record<string, string> = { ...base() };
    delete omitted.redirect_uri;
    await expectErrorPage(await browser.navigate(authorizeUrl(omitted)));
  });

  it('REDIR-02: no normalisation — every near miss is refused', async () => {
    const browser = new Browser(h.issuer);
    for (const uri of [
      'https://rp.test/cb/',
      'https://rp.test/CB',
      'https://RP.test/cb',
      'https://rp.test/cb/../x',
      'https://rp.test/cb%2F..',
      'https://rp.test/cbx',
      'http://rp.test/cb',
      'https://rp.test:443/cb',
      'https://rp.test:444/cb',
      'https://rp.test.evil.test/cb',
      'https://evil.test@rp.test/cb',
      'https://rp.test\\@evil.test/cb',
      'https://rp.test/cb#x',
      'https://rp.test/cb?x=1',
    ])
      await expectErrorPage(await browser.navigate(authorizeUrl(base({ redirect_uri: uri }))));
  });

  it('REDIR-03: a registered query must match exactly, and is kept', async () => {
    const browser = new Browser(h.issuer);
    const ok = await authorize(browser, base({ redirect_uri: 'https://rp.test/q?tenant=a' }));
    expect(redirectParams(ok).get('tenant')).toBe('a');
    expect(redirectParams(ok).get('code')).toBeTruthy();
    await expectErrorPage(
      await browser.navigate(authorizeUrl(base({ redirect_uri: 'https://rp.test/q?tenant=b' }))),
    );
  });

  it('REDIR-05: loopback redirects of native clients match on any port, never another path or localhost', async () => {
    const browser = new Browser(h.issuer);
    const ok = await authorize(
      browser,
      base({ client_id: p1.id, redirect_uri: 'http://127.0.0.1:51004/cb' }),
    );
    expect(ok.url.startsWith('http://127.0.0.1:51004/cb?')).toBe(true);
    await expectErrorPage(
      await browser.navigate(
        authorizeUrl(base({ client_id: p1.id, redirect_uri: 'http://127.0.0.1:51004/cb2' })),
      ),
    );
    await expectErrorPage(
      await browser.navigate(
        authorizeUrl(base({ client_id: p1.id, redirect_uri: 'http://localhost:51004/cb' })),
      ),
    );
  });

  it('REDIR-06: the login page never sends the browser off-site', async () => {
    for (const target of ['https://evil.test', '//evil.test', '/\\evil.test']) {
      const page = await (await fetch(`${h.issuer}/login?return_to=${encodeURIComponent(target)}`)).text();
      expect(page).toContain('name="return_to" value="/account"');
    }
  });
});

describe('authorization endpoint', () => {
  it('AUTHZ-01: implicit and hybrid response types and unknown modes are refused, never a token in a fragment', async () => {
    const browser = new Browser(h.issuer);
    for (const responseType of ['token', 'id_token token', 'code id_token']) {
      const step = await browser.navigate(authorizeUrl(base({ response_type: responseType, nonce: 'n' })));
      // The error may travel in the fragment (the default mode of those types); a token never does.
      const location = new URL(step.url);
      const answer =
        location.hash === '' ? location.searchParams : new URLSearchParams(location.hash.slice(1));
      expect(answer.get('error')).toMatch(/unsupported_response_type|unauthorized_client|invalid_request/);
      expect(answer.get('state')).toBe('xyz-state');
      for (const leaked of ['access_token', 'id_token', 'code']) expect(answer.has(leaked)).toBe(false);
    }
    const mode = await browser.navigate(authorizeUrl(base({ response_mode: 'bogus' })));
    expect(redirectParams(mode).get('error')).toBe('invalid_request');
    expect(redirectParams(mode).get('state')).toBe(base().state);
    expect(redirectParams(mode).get('code')).toBeNull();
    // A mode the client is not configured for (only query and form_post are): invalid_request too.
    const fragment = await browser.navigate(authorizeUrl(base({ response_mode: 'fragment' })));
    const fragmentAnswer = new URLSearchParams(new URL(fragment.url).hash.slice(1));
    expect(fragmentAnswer.get('error') ?? redirectParams(fragment).get('error')).toBe('invalid_request');
    expect(fragmentAnswer.get('code')).toBeNull();
    expect(redirectParams(fragment).get('code')).toBeNull();
    const missing: Record<string, string> = { ...base() };
    delete missing.response_type;
    const step = await browser.navigate(authorizeUrl(missing));
    if (new URL(step.url).origin === h.issuer) await expectErrorPage(step);
    else expect(redirectParams(step).get('error')).toMatch(/invalid_request|unsupported_response_type/);
  });

  it('AUTHZ-02: an unknown or repeated client_id or redirect_uri is an error page; a repeated state or scope redirects with invalid_request', async () => {
    const browser = new Browser(h.issuer);
    await expectErrorPage(await browser.navigate(authorizeUrl(base({ client_id: 'c_unknown' }))));
    await expectErrorPage(await browser.navigate(authorizeUrl(base({ client_id: [c1.id, c1.id] }))));
    await expectErrorPage(
      await browser.navigate(authorizeUrl(base({ redirect_uri: [RP_CALLBACK, RP_CALLBACK] }))),
    );
    for (const repeated of [{ state: ['a', 'b'] }, { scope: ['openid', 'openid'] }]) {
      const step = await browser.navigate(authorizeUrl(base(repeated)));
      expect(redirectParams(step).get('error')).toBe('invalid_request');
    }
  });

  it('AUTHZ-03: unknown and optional parameters do not get in the way; POST works too', async () => {
    const browser = new Browser(h.issuer);
    const variants = [
      { extra: 'foobar' },
      { scope: 'email openid' },
      { display: 'popup' },
      { ui_locales: 'se', claims_locales: 'se' },
      { login_hint: ADMIN_EMAIL },
      { acr_values: 'urn:mace:incommon:iap:silver' },
    ];
    for (const variant of variants) {
      const step = await authorize(browser, base(variant));
      expect(redirectParams(step).get('code'), JSON.stringify(variant)).toBeTruthy();
    }
    // POST works as GET does (OIDC Core §3.1.2.1; oauth-conformance.test.ts covers it end to end).
    const posted = await browser.submit('/oauth/authorize', base());
    expect(redirectParams(posted).get('code')).toBeTruthy();
  });

  it('AUTHZ-04: a scope the client may not use is dropped from what is granted', async () => {
    const browser = new Browser(h.issuer);
    const code = await codeFor(browser, { scope: 'openid admin:all' });
    const result = await exchange(code);
    expect(String(result.body.scope ?? '')).not.toContain('admin:all');
  });

  it('AUTHZ-08: the consent page cannot be framed and its form refuses forgeries', async () => {
    const browser = new Browser(h.issuer);
    let step = await browser.navigate(authorizeUrl(base({ client_id: c2.id })));
    step = await browser.signIn(step, ADMIN_EMAIL, ADMIN_PASSWORD);
    expect(step.url).toContain('/oauth/interaction/');
    expect(step.response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(step.response.headers.get('x-frame-options')).toBe('DENY');
    const page = await step.response.text();
    const action = /action="([^"]+)"/.exec(page)?.[1] ?? '';
    // No CSRF token → 403; a cross-site request → 403.
    const noToken = await browser.fetch(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'decision=allow',
    });
    expect(noToken.status).toBe(403);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const crossSite = await fetch(new URL(action, h.issuer), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: [...browser.cookies].map(([n, v]) => `${n}=${v}`).join('; '),
        origin: 'https://evil.test',
        'sec-fetch-site': 'cross-site',
      },
      body: new URLSearchParams({ csrf, decision: 'allow' }).toString(),
      redirect: 'manual',
    });
    expect(crossSite.status).toBe(403);
  });

  it('the login page of an authorization lets its form end at the client (CSP form-action)', async () => {
    const step = await new Browser(h.issuer).navigate(authorizeUrl(base()));
    expect(step.url).toContain('/login?return_to=');
    expect(step.response.headers.get('content-security-policy')).toContain(
      "form-action 'self' https://rp.test;",
    );
    const plain = await fetch(`${h.issuer}/login`);
    expect(plain.headers.get('content-security-policy')).toContain("form-action 'self';");
  });

  it('AUTHZ-11: request objects are not supported and request_uri is never fetched', async () => {
    const browser = new Browser(h.issuer);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ redirect_uri: R2, client_id: c1.id }),
    ).toString('base64url')}.`;
    const withRequest = await browser.navigate(authorizeUrl(base({ request: unsigned })));
    const answer = new URL(withRequest.url);
    if (answer.origin === h.issuer) await expectErrorPage(withRequest);
    else {
      expect(answer.href.startsWith(`${RP_CALLBACK}?`)).toBe(true);
      expect(answer.searchParams.get('error')).toMatch(
        /request_not_supported|invalid_request_object|invalid_request/,
      );
    }
    // A request_uri pointing anywhere is refused without being fetched.
    let fetched = false;
    const listener = (await import('node:http')).createServer((_req, res) => {
      fetched = true;
      res.end('x');
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as { port: number }).port;
    try {
      const step = await browser.navigate(authorizeUrl(base({ request_uri: `http://127.0.0.1:${port}/x` })));
      const location = new URL(step.url);
      if (location.origin !== h.issuer)
        expect(location.searchParams.get('error')).toMatch(
          /request_uri_not_supported|invalid_request_uri|invalid_request/,
        );
      else expect(step.response.status).toBe(400);
      expect(fetched).toBe(false);
    } finally {
      listener.close();
    }
  });

  it('AUTHZ-10: redirect errors carry a registered code, a clean description, and no code', async () => {
    const browser = new Browser(h.issuer);
    const step = await browser.navigate(authorizeUrl(base({ code_challenge_method: 'plain' })));
    const query = redirectParams(step);
    expect(query.has('code')).toBe(false);
    expect(query.get('error_description') ?? '').toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/);
    expect(query.get('iss')).toBe(h.issuer);
  });
});

describe('token endpoint', () => {
  it('TOK-01: no-store JSON, Bearer, positive expires_in, an ID token for openid', async () => {
    const result = await exchange(await codeFor(new Browser(h.issuer)));
    expect(result.headers.get('cache-control')).toBe('no-store');
    expect(result.headers.get('content-type')).toContain('application/json');
    expect(String(result.body.token_type).toLowerCase()).toBe('bearer');
    expect(result.body.expires_in).toBeGreaterThan(0);
    expect(result.body.id_token).toBeTypeOf('string');
    expect(String(result.body.access_token)).toMatch(/^[\x20-\x7e]{43,}$/);
  });

  it('TOK-02: a code works once; a replay is invalid_grant and revokes what it gave', async () => {
    const code = await codeFor(new Browser(h.issuer));
    const first = await exchange(code);
    expect(first.status).toBe(200);
    const replay = await exchange(code);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    const userinfo = await fetch(`${h.issuer}/oauth/userinfo`, {
      headers: { authorization: `Bearer ${first.body.access_token}` },
    });
    expect(userinfo.status).toBe(401);
  });

  it('TOK-02: raced redemptions of one code give exactly one set of tokens', async () => {
    const code = await codeFor(new Browser(h.issuer));
    const results = await Promise.all([exchange(code), exchange(code), exchange(code)]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const failed of results.filter((r) => r.status !== 200))
      expect(failed.body.error).toBe('invalid_grant');
  });

  it('TOK-03: a code is bound to its client', async () => {
    const browser = new Browser(h.issuer);
    const stolen = await exchange(await codeFor(browser), {}, basic(c2.id, c2.secret));
    expect(stolen.body.error).toBe('invalid_grant');
    const mixed = await exchange(await codeFor(browser), { client_id: c2.id });
    expect(mixed.status).toBeGreaterThanOrEqual(400);
    expect(mixed.body.access_token).toBeUndefined();
  });

  it('TOK-04: the redirect URI must be the one the code was issued for', async () => {
    const browser = new Browser(h.issuer);
    const other = await exchange(await codeFor(browser), { redirect_uri: R2 });
    expect(other.body.error).toBe('invalid_grant');
    const code = await codeFor(browser);
    const none = await tokenRequest(
      { grant_type: 'authorization_code', code, code_verifier: RFC_VERIFIER },
      { authorization: basic(c1.id, c1.secret) },
    );
    expect(none.body.error).toMatch(/invalid_grant|invalid_request/);
  });

  it('TOK-05: client authentication failures are 401 invalid_client, the same for unknown clients', async () => {
    const fields = { grant_type: 'client_credentials' };
    const wrong = await tokenRequest(fields, { authorization: basic(c1.id, 'nope') });
    const unknown = await tokenRequest(fields, { authorization: basic('c_nobody', 'nope') });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect({ status: unknown.status, body: unknown.body }).toEqual({
      status: wrong.status,
      body: wrong.body,
    });
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(wrong.headers.get('cache-control')).toBe('no-store');
    const both = await tokenRequest(
      { ...fields, client_secret: c1.secret },
      { authorization: basic(c1.id, c1.secret) },
    );
    expect(both.status).toBe(400);
    expect(both.body.error).toBe('invalid_request');
  });

  it('TOK-05 (b, d, f): a secret is accepted only the way the client registered it, header or body', async () => {
    const fields = { grant_type: 'client_credentials', scope: 'notes:read' };
    // (d) C1 registered for Basic sends its right secret in the body: refused like a wrong secret.
    const c1InBody = await tokenRequest({ ...fields, client_id: c1.id, client_secret: c1.secret });
    expect(c1InBody.status).toBe(401);
    expect(c1InBody.body.error).toBe('invalid_client');
    expect(c1InBody.headers.get('cache-control')).toBe('no-store');
    // ...also behind an empty Authorization header (the engine reads the body secret then).
    const emptyHeader = await tokenRequest(
      { ...fields, client_id: c1.id, client_secret: c1.secret },
      { authorization: '' },
    );
    expect(emptyHeader.status).toBe(401);
    expect(emptyHeader.body.error).toBe('invalid_client');
    // (f) A client registered for client_secret_post is served with the secret in the body...
    const issued = await createClient(h, { name: 'Posting', secretIn: 'body' });
    expect(issued.client.authMethod).toBe('client_secret_post');
    const post = { client_id: issued.client.clientId, client_secret: issued.secret ?? '' };
    const accepted = await tokenRequest({ ...fields, ...post });
    expect(accepted.status).toBe(200);
    expect(accepted.body.access_token).toBeTypeOf('string');
    // ...and refused with the same secret in a Basic header.
    const viaHeader = await tokenRequest(fields, {
      authorization: basic(post.client_id, post.client_secret),
    });
    expect(viaHeader.status).toBe(401);
    expect(viaHeader.body.error).toBe('invalid_client');
    // (b) A wrong secret in the body is invalid_client as well.
    const wrong = await tokenRequest({ ...fields, client_id: post.client_id, client_secret: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(viaHeader.body);
  });

  it('TOK-06: only registered grants; no password grant; no GET, no JSON body', async () => {
    const auth = { authorization: basic(c1.id, c1.secret) };
    expect(
      (await tokenRequest({ grant_type: 'password', username: ADMIN_EMAIL, password: ADMIN_PASSWORD }, auth))
        .body.error,
    ).toBe('unsupported_grant_type');
    expect((await tokenRequest({ grant_type: 'urn:example:unknown' }, auth)).body.error).toBe(
      'unsupported_grant_type',
    );
    const publicCc = await tokenRequest({ grant_type: 'client_credentials', client_id: p1.id });
    expect(publicCc.body.error).toBe('unauthorized_client');
    const c1Device = await tokenRequest(
      { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'x' },
      auth,
    );
    expect(c1Device.body.error).toBe('unauthorized_client');
    const get = await fetch(`${h.issuer}/oauth/token?grant_type=client_credentials`, { headers: auth });
    expect([400, 404, 405]).toContain(get.status);
    const json = await fetch(`${h.issuer}/oauth/token`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    expect(json.status).toBe(400);
    const repeated = await fetch(`${h.issuer}/oauth/token`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&grant_type=client_credentials',
    });
    expect(((await repeated.json()) as { error: string }).error).toBe('invalid_request');
  });
});

describe('refresh scope (RT-05)', () => {
  it('a subset narrows the new access token, a superset is invalid_scope, none keeps the grant', async () => {
    const browser = new Browser(h.issuer);
    const code = await codeFor(browser, { scope: 'openid email offline_access', prompt: 'consent' });
    const first = await exchange(code);
    const refresh = (refreshToken: string, extra: Record<string, string> = {}) =>
      tokenRequest(
        { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra },
        { authorization: basic(c1.id, c1.secret) },
      );
    const subset = await refresh(String(first.body.refresh_token), { scope: 'openid' });
    expect(subset.status).toBe(200);
    expect(String(subset.body.scope).split(' ').sort()).toEqual(['openid']);
    const superset = await refresh(String(subset.body.refresh_token), { scope: 'openid email admin:all' });
    expect(superset.body.error).toBe('invalid_scope');
    const omitted = await refresh(String(subset.body.refresh_token));
    expect(omitted.status).toBe(200);
    expect(String(omitted.body.scope).split(' ').sort()).toEqual(['email', 'offline_access', 'openid']);
  });
});

describe('ID tokens', () => {
  it('OIDC-02: the nonce comes back when sent, and is absent when not', async () => {
    const browser = new Browser(h.issuer);
    const withNonce = await exchange(await codeFor(browser, { nonce: 'n'.repeat(43) }));
    expect(decodeJwt(String(withNonce.body.id_token)).payload.nonce).toBe('n'.repeat(43));
    const without = await exchange(await codeFor(browser));
    expect(decodeJwt(String(without.body.id_token)).payload.nonce).toBeUndefined();
  });

  it('OIDC-03: userinfo by GET and POST with the header, and any case of the scheme', async () => {
    const result = await exchange(await codeFor(new Browser(h.issuer)));
    const at = String(result.body.access_token);
    for (const init of [
      { headers: { authorization: `Bearer ${at}` } },
      { method: 'POST', headers: { authorization: `Bearer ${at}` } },
      { headers: { authorization: `bearer ${at}` } },
      { headers: { authorization: `BEARER ${at}` } },
    ]) {
      const response = await fetch(`${h.issuer}/oauth/userinfo`, init);
      expect(response.status, JSON.stringify(init)).toBe(200);
      expect(((await response.json()) as { sub: string }).sub).toBe(
        decodeJwt(String(result.body.id_token)).payload.sub,
      );
    }
  });

  it('OIDC-05: each scope releases its claims only, with their types; an essential claim is honoured', async () => {
    const admin = await h.gatehouse.accounts.requireUser(ADMIN_EMAIL);
    await h.gatehouse.accounts.updateProfile(admin.id, {
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
      locale: 'en-GB',
      zoneinfo: 'Europe/London',
      birthdate: '1815-12-10',
      website: 'https://ada.example.test',
      phone_number: '+442071234567',
      phone_number_verified: true,
      address: { street_address: '12 St James Square', locality: 'London', country: 'GB' },
    });
    const browser = new Browser(h.issuer);
    const userinfo = async (overrides: Record<string, string>) => {
      const { body } = await exchange(await codeFor(browser, overrides));
      const response = await fetch(`${h.issuer}/oauth/userinfo`, {
        headers: { authorization: `Bearer ${body.access_token}` },
      });
      expect(response.status).toBe(200);
      return (await response.json()) as Record<string, unknown>;
    };
    const profileClaims = ['name', 'given_name', 'family_name', 'locale', 'zoneinfo', 'birthdate', 'website'];

    expect(Object.keys(await userinfo({ scope: 'openid' }))).toEqual(['sub']);

    const profile = await userinfo({ scope: 'openid profile' });
    expect(Object.keys(profile).sort()).toEqual(['sub', ...profileClaims].sort());
    expect(profile.name).toBe('Ada Lovelace');

    const contact = await userinfo({ scope: 'openid email address phone' });
    expect(Object.keys(contact).sort()).toEqual(
      ['sub', 'email', 'email_verified', 'address', 'phone_number', 'phone_number_verified'].sort(),
    );
    expect(contact.email).toBe(ADMIN_EMAIL);
    expect(typeof contact.email_verified).toBe('boolean');
    expect(contact.address).toEqual({
      street_address: '12 St James Square',
      locality: 'London',
      country: 'GB',
    });
    expect(contact.phone_number_verified).toBe(true);

    const all = await userinfo({ scope: 'openid profile email address phone' });
    expect(Object.keys(all).sort()).toEqual(
      [
        'sub',
        ...profileClaims,
        'email',
        'email_verified',
        'address',
        'phone_number',
        'phone_number_verified',
      ].sort(),
    );

    // A claim asked for by name is listed on the consent page, one by one.
    const fresh = new Browser(h.issuer);
    let step = await fresh.navigate(
      authorizeUrl(base({ scope: 'openid', claims: JSON.stringify({ userinfo: { phone_number: null } }) })),
    );
    if (step.url.includes('/login')) step = await fresh.signIn(step, ADMIN_EMAIL, ADMIN_PASSWORD);
    expect(step.url).toContain('/oauth/interaction/');
    expect(await step.response.text()).toContain('<code>phone_number</code>');
    // A client not registered for the phone scope cannot reach its claims by name.
    const beyond = await new Browser(h.issuer).navigate(
      authorizeUrl(
        base({
          client_id: c2.id,
          scope: 'openid',
          claims: JSON.stringify({ userinfo: { phone_number: null } }),
        }),
      ),
    );
    expect(redirectParams(beyond).get('error')).toBe('invalid_request');
    expect(redirectParams(beyond).get('code')).toBeNull();
    // OIDC §5.5: a claim asked for by name comes back though its scope was not requested.
    const essential = await userinfo({
      scope: 'openid',
      claims: JSON.stringify({ userinfo: { name: { essential: true } } }),
    });
    expect(essential).toEqual({ sub: all.sub, name: 'Ada Lovelace' });
  });

  it('OIDC-07 OIDC-08: ID tokens are signed by the active key; after rotation new tokens use the new kid and old ones still verify', async () => {
    const browser = new Browser(h.issuer);
    const before = await exchange(await codeFor(browser));
    const oldKid = decodeJwt(String(before.body.id_token)).header.kid;
    expect(oldKid).toBe((await h.gatehouse.keyRing.active()).kid);
    await h.gatehouse.keyRing.rotate();
    // The OAuth engine asks the ring for its keys at most once a second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const after = await exchange(await codeFor(browser));
    const newKid = decodeJwt(String(after.body.id_token)).header.kid;
    expect(newKid).not.toBe(oldKid);
    expect(newKid).toBe((await h.gatehouse.keyRing.active()).kid);
    const jwks = (await (await fetch(`${h.issuer}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string; d?: string }[];
    };
    const kids = jwks.keys.map((k) => k.kid);
    expect(kids).toContain(oldKid);
    expect(kids).toContain(newKid);
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
  });
});
