import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.ts';
import { basic, createClient, decodeJwt, NOTES_API, startOAuthServer } from './oauth-helpers.ts';
import { freePort } from './processes.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request: fetch() would not let us forge Host or send X-Forwarded-* as we like. */
function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body = '',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const SECURITY_HEADERS = [
  'x-content-type-options',
  'referrer-policy',
  'x-frame-options',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
];

describe('the engine lane (OAuth machine endpoints answered before Fastify)', () => {
  let h: Awaited<ReturnType<typeof startOAuthServer>>;
  let port: number;
  let form: Record<string, string>;
  let body: string;
  beforeAll(async () => {
    h = await startOAuthServer();
    port = Number(new URL(h.issuer).port);
    const { client, secret } = await createClient(h);
    form = {
      authorization: basic(client.clientId, secret ?? ''),
      'content-type': 'application/x-www-form-urlencoded',
    };
    body = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'notes:read',
      resource: NOTES_API,
    }).toString();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers with the headers every Gatehouse response carries, and logs the request like Fastify does', async () => {
    const answer = await send(
      port,
      'POST',
      '/oauth/token',
      { ...form, 'x-request-id': 'lane-check-1' },
      body,
    );
    expect(answer.status).toBe(200);
    for (const name of SECURITY_HEADERS) expect(answer.headers[name], name).toBeDefined();
    expect(answer.headers['x-request-id']).toBe('lane-check-1');
    expect(answer.headers['cache-control']).toBe('no-store');
    const line = h.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.reqId === 'lane-check-1');
    expect(line).toMatchObject({ msg: 'request', method: 'POST', path: '/oauth/token', status: 200 });
    // The same request injected into Fastify (its own route to the engine) carries the same set.
    const injected = await h.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: form,
      payload: body,
    });
    expect(injected.statusCode).toBe(200);
    for (const name of [...SECURITY_HEADERS, 'x-request-id', 'cache-control'])
      expect(injected.headers[name], name).toBeDefined();
  });

  it('never lets a forged Host or X-Forwarded-* header into what the engine issues', async () => {
    const answer = await send(
      port,
      'POST',
      '/oauth/token',
      { ...form, host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
      body,
    );
    expect(answer.status).toBe(200);
    const { access_token: token } = JSON.parse(answer.body) as { access_token: string };
    expect(decodeJwt(token).payload.iss).toBe(h.issuer);
  });

  it('leaves other methods and paths to Fastify (405 with Allow, 404 problem+json)', async () => {
    const get = await send(port, 'GET', '/oauth/token', {});
    expect(get.status).toBe(405);
    expect(get.headers.allow).toContain('POST');
    const other = await send(port, 'POST', '/oauth/token-nope', form, body);
    expect(other.status).toBe(404);
    expect(other.headers['content-type']).toContain('application/problem+json');
  });
});

describe('GATEHOUSE_TRUST_PROXY, for Fastify and the engine lane alike', () => {
  async function production(trustProxy: string | number): Promise<{ h: Harness; port: number }> {
    const port = await freePort();
    const h = await createHarness({
      issuer: 'https://auth.example.test',
      nodeEnv: 'production',
      secret: 'x'.repeat(40),
      trustProxy,
    });
    await h.app.listen({ port, host: '127.0.0.1' });
    return { h, port };
  }

  it.each([
    ['an address', '127.0.0.1'],
    ['a CIDR list', '10.0.0.0/8, 127.0.0.0/8'],
  ])(
    'with %s: plain http is refused, https through the trusted proxy is served',
    async (_label, trustProxy) => {
      const { h, port } = await production(trustProxy);
      try {
        const form = { 'content-type': 'application/x-www-form-urlencoded' };
        const plain = await send(port, 'POST', '/oauth/token', form, 'grant_type=client_credentials');
        expect(plain.status).toBe(400);
        expect(JSON.parse(plain.body).type).toBe('urn:gatehouse:error:https_required');
        for (const name of SECURITY_HEADERS) expect(plain.headers[name], name).toBeDefined();
        const proxied = await send(
          port,
          'POST',
          '/oauth/token',
          { ...form, 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' },
          'grant_type=client_credentials',
        );
        // Past the https rule: the engine itself answers (no client authentication given).
        expect(proxied.status).toBe(401);
        expect(JSON.parse(proxied.body).error).toBe('invalid_client');
        expect(proxied.headers['strict-transport-security']).toBeDefined();
        // Fastify's routes see the same scheme: a page is served, not redirected to https.
        const page = await send(port, 'GET', '/login', { accept: 'text/html', 'x-forwarded-proto': 'https' });
        expect(page.status).toBe(200);
      } finally {
        await h.close();
      }
    },
  );

  it('believes no forwarded header from a peer it does not trust', async () => {
    const { h, port } = await production('10.9.8.7');
    try {
      const spoofed = await send(
        port,
        'POST',
        '/oauth/token',
        { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https' },
        'grant_type=client_credentials',
      );
      expect(spoofed.status).toBe(400);
      expect(JSON.parse(spoofed.body).type).toBe('urn:gatehouse:error:https_required');
    } finally {
      await h.close();
    }
  });
});
