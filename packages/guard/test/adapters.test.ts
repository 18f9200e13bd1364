/**
 * One behaviour table, run unchanged against every adapter: Fastify and Express over real HTTP
 * (so duplicated headers reach them as Node sees them), Hono and the fetch wrapper with Web
 * `Request`s. Each app has the same four routes.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGuard, type Guard } from '@gatehouse/guard';
import { expressGuard } from '@gatehouse/guard/express';
import { fastifyGuard } from '@gatehouse/guard/fastify';
import { withAuth } from '@gatehouse/guard/fetch';
import { honoGuard } from '@gatehouse/guard/hono';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, nowSeconds, SECRET, StubGatehouse, within } from './support/stub-gatehouse.ts';

type Pairs = [string, string][];
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
type Send = (method: string, path: string, headers: Pairs) => Promise<Answer>;
interface Adapter {
  send: Send;
  close(): Promise<void>;
}

let stub: StubGatehouse;
let guard: Guard;
const tokens: Record<string, string> = {};
const COOKIE = '__Host-gatehouse_session';

// ---------------------------------------------------------------- the four apps

const who = (auth: { principal: { subject: string }; method: string } | undefined) => ({
  sub: auth?.principal.subject,
  method: auth?.method,
});

async function fastifyApp(): Promise<Adapter> {
  const app = Fastify();
  const auth = fastifyGuard(guard);
  app.get('/me', { preHandler: auth.authenticated() }, async (request) => who(request.auth));
  app.get('/notes', { preHandler: auth.requireScopes('notes:read') }, async () => ({ notes: [] }));
  app.delete('/notes/1', { preHandler: auth.requirePermission('notes:delete') }, async (_request, reply) =>
    reply.code(204).send(),
  );
  app.get(
    '/both',
    { preHandler: [auth.requireScopes('notes:read'), auth.requirePermission('notes:read')] },
    async (request) => who(request.auth),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { send: overHttp((app.server.address() as AddressInfo).port), close: () => app.close() };
}

async function expressApp(): Promise<Adapter> {
  const app = express();
  const auth = expressGuard(guard);
  app.get('/me', auth.authenticated(), (req, res) => {
    res.json(who(req.auth));
  });
  app.get('/notes', auth.requireScopes('notes:read'), (_req, res) => {
    res.json({ notes: [] });
  });
  app.delete('/notes/1', auth.requirePermission('notes:delete'), (_req, res) => {
    res.status(204).end();
  });
  app.get('/both', auth.requireScopes('notes:read'), auth.requirePermission('notes:read'), (req, res) => {
    res.json(who(req.auth));
  });
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    send: overHttp((server.address() as AddressInfo).port),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function honoApp(): Promise<Adapter> {
  const app = new Hono();
  const auth = honoGuard(guard);
  app.get('/me', auth.authenticated(), (c) => c.json(who(c.get('auth'))));
  app.get('/notes', auth.requireScopes('notes:read'), (c) => c.json({ notes: [] }));
  app.delete('/notes/1', auth.requirePermission('notes:delete'), (c) => c.body(null, 204));
  app.get('/both', auth.requireScopes('notes:read'), auth.requirePermission('notes:read'), (c) =>
    c.json(who(c.get('auth'))),
  );
  return { send: overFetch((request) => app.fetch(request)), close: async () => {} };
}

async function fetchApp(): Promise<Adapter> {
  const routes: Record<string, (request: Request) => Promise<Response>> = {
    'GET /me': withAuth((_request, auth) => Response.json(who(auth)), { guard }),
    'GET /notes': withAuth(() => Response.json({ notes: [] }), { guard, scopes: ['notes:read'] }),
    'DELETE /notes/1': withAuth(() => new Response(null, { status: 204 }), {
      guard,
      permission: 'notes:delete',
    }),
    'GET /both': withAuth((_request, auth) => Response.json(who(auth)), {
      guard,
      scopes: ['notes:read'],
      permission: 'notes:read',
    }),
  };
  const handler = (request: Request) => {
    const route = routes[`${request.method} ${new URL(request.url).pathname}`];
    return route === undefined ? Promise.resolve(new Response(null, { status: 404 })) : route(request);
  };
  return { send: overFetch(handler), close: async () => {} };
}

function overHttp(port: number): Send {
  return (method, path, pairs) =>
    new Promise((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, method, path });
      const grouped = new Map<string, string[]>();
      for (const [name, value] of pairs) grouped.set(name, [...(grouped.get(name) ?? []), value]);
      for (const [name, values] of grouped)
        request.setHeader(name, values.length === 1 ? values[0]! : values);
      request.on('response', (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      });
      request.on('error', reject);
      request.end();
    });
}

function overFetch(handler: (request: Request) => Response | Promise<Response>): Send {
  return async (method, path, pairs) => {
    const response = await handler(new Request(`http://notes.test${path}`, { method, headers: pairs }));
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return { status: response.status, headers, body: await response.text() };
  };
}

// ---------------------------------------------------------------- the table

interface Row {
  name: string;
  method?: string;
  path: string;
  headers: () => Pairs;
  status: number;
  /** Problem type suffix for refusals. */
  code?: string;
  /** Exact `WWW-Authenticate`, a pattern, or null for none. */
  challenge?: string | RegExp | null;
  body?: Record<string, unknown>;
}

const auth = (name: string): Pairs => [['authorization', `Bearer ${tokens[name]}`]];
const cookie = (value: string): Pairs => [['cookie', `${COOKIE}=${value}`]];
const invalidRequest = /^Bearer realm="notes", error="invalid_request", error_description="[^"]+"$/;
const invalidToken = /^Bearer realm="notes", error="invalid_token", error_description="[^"]+"$/;

const TABLE: Row[] = [
  {
    name: 'no credentials',
    path: '/me',
    headers: () => [],
    status: 401,
    code: 'unauthenticated',
    challenge: 'Bearer realm="notes"',
  },
  {
    name: 'a valid Bearer token',
    path: '/me',
    headers: () => auth('reader'),
    status: 200,
    body: { sub: 'reader', method: 'bearer' },
  },
  {
    name: 'a valid session cookie',
    path: '/me',
    headers: () => cookie('cookie-mod'),
    status: 200,
    body: { sub: 'moderator', method: 'session' },
  },
  {
    name: 'the Basic scheme',
    path: '/me',
    headers: () => [['authorization', 'Basic dXNlcjpwYXNz']],
    status: 401,
    code: 'unauthenticated',
    challenge: 'Bearer realm="notes"',
  },
  {
    name: 'two Authorization headers',
    path: '/me',
    headers: () => [...auth('reader'), ...auth('reader')],
    status: 400,
    code: 'invalid_request',
    challenge: invalidRequest,
  },
  {
    name: 'comma-joined Authorization values',
    path: '/me',
    headers: () => [['authorization', `Bearer ${tokens.reader}, Bearer ${tokens.reader}`]],
    status: 400,
    code: 'invalid_request',
    challenge: invalidRequest,
  },
  {
    name: 'a Bearer token and the session cookie',
    path: '/me',
    headers: () => [...auth('reader'), ...cookie('cookie-mod')],
    status: 400,
    code: 'invalid_request',
    challenge: invalidRequest,
  },
  {
    name: 'access_token in the query string',
    path: '/me?access_token=abc.def.ghi',
    headers: () => [],
    status: 400,
    code: 'invalid_request',
    challenge: invalidRequest,
  },
  {
    name: 'Bearer with no token',
    path: '/me',
    headers: () => [['authorization', 'Bearer']],
    status: 400,
    code: 'invalid_request',
    challenge: invalidRequest,
  },
  {
    name: 'a garbage token',
    path: '/me',
    headers: () => [['authorization', 'Bearer abc.def.ghi']],
    status: 401,
    code: 'invalid_token',
    challenge: invalidToken,
  },
  {
    name: 'an expired token',
    path: '/me',
    headers: () => auth('expired'),
    status: 401,
    code: 'invalid_token',
    challenge: invalidToken,
  },
  {
    name: 'an ID token (typ JWT)',
    path: '/me',
    headers: () => auth('idToken'),
    status: 401,
    code: 'invalid_token',
    challenge: invalidToken,
  },
  {
    name: 'a revoked token',
    path: '/me',
    headers: () => auth('revoked'),
    status: 401,
    code: 'invalid_token',
    challenge: invalidToken,
  },
  {
    name: 'a token without the scope',
    path: '/notes',
    headers: () => auth('noScope'),
    status: 403,
    code: 'insufficient_scope',
    challenge:
      /^Bearer realm="notes", error="insufficient_scope", error_description="[^"]+", scope="notes:read"$/,
  },
  {
    name: 'a token with the scope',
    path: '/notes',
    headers: () => auth('reader'),
    status: 200,
    body: { notes: [] },
  },
  {
    name: 'a session on a scoped route',
    path: '/notes',
    headers: () => cookie('cookie-mod'),
    status: 403,
    code: 'insufficient_scope',
  },
  {
    name: 'a Bearer subject holding the permission',
    method: 'DELETE',
    path: '/notes/1',
    headers: () => auth('moderator'),
    status: 204,
  },
  {
    name: 'a Bearer subject lacking the permission',
    method: 'DELETE',
    path: '/notes/1',
    headers: () => auth('reader'),
    status: 403,
    code: 'forbidden',
    challenge: null,
  },
  {
    name: 'a Bearer subject no longer active',
    method: 'DELETE',
    path: '/notes/1',
    headers: () => auth('gone'),
    status: 401,
    code: 'invalid_token',
    challenge: invalidToken,
  },
  {
    name: 'Gatehouse failing on the permission lookup',
    method: 'DELETE',
    path: '/notes/1',
    headers: () => auth('flaky'),
    status: 503,
    code: 'unavailable',
    challenge: null,
  },
  {
    name: 'a session holding the permission',
    method: 'DELETE',
    path: '/notes/1',
    headers: () => [...cookie('cookie-mod'), ['sec-fetch-site', 'same-origin']],
    status: 204,
  },
  {
    name: 'a cross-site cookie write',
    method: 'DELETE',
    path: '/notes/1',
    headers: () => [
      ...cookie('cookie-mod'),
      ['origin', 'https://evil.test'],
      ['sec-fetch-site', 'cross-site'],
    ],
    status: 403,
    code: 'csrf_failed',
  },
  {
    name: 'an unknown session cookie',
    path: '/me',
    headers: () => cookie('nope'),
    status: 401,
    code: 'unauthenticated',
    challenge: 'Bearer realm="notes"',
  },
  {
    name: 'chained scope and permission middleware',
    path: '/both',
    headers: () => auth('reader'),
    status: 200,
    body: { sub: 'reader', method: 'bearer' },
  },
];

beforeAll(async () => {
  stub = await StubGatehouse.start();
  stub.permissions.set('reader', ['notes:read']);
  stub.permissions.set('moderator', ['notes:*']);
  stub.permissions.set('gone', 'inactive');
  stub.permissions.set('flaky', 'broken');
  stub.sessions.set('cookie-mod', { sub: 'moderator', sid: 's-mod', permissions: ['notes:*'] });
  guard = createGuard({
    issuer: stub.issuer,
    audience: AUDIENCE,
    introspectionSecret: SECRET,
    realm: 'notes',
    cacheTtlMs: 0,
  });
  await guard.ready();
  tokens.reader = await stub.mint({ sub: 'reader' });
  tokens.moderator = await stub.mint({ sub: 'moderator', scope: 'notes:read notes:write' });
  tokens.noScope = await stub.mint({ sub: 'reader', scope: 'profile' });
  tokens.gone = await stub.mint({ sub: 'gone' });
  tokens.flaky = await stub.mint({ sub: 'flaky' });
  tokens.expired = await stub.mint({ iat: nowSeconds() - 400, exp: nowSeconds() - 100 });
  tokens.idToken = await stub.mint({ nonce: 'n' }, { header: { typ: 'JWT' } });
  tokens.revoked = await stub.mint({ jti: 'revoked-jti' });
  stub.revoke('jti', 'revoked-jti');
  await within(1000, () => guard.status().revocationFeed?.cursor === stub.entries.at(-1)?.seq);
});
afterAll(async () => {
  await guard.close();
  await stub.close();
});

describe.each([
  ['fastify', fastifyApp],
  ['express', expressApp],
  ['hono', honoApp],
  ['fetch', fetchApp],
] as const)('the %s adapter', (_name, build) => {
  let adapter: Adapter;
  beforeAll(async () => {
    adapter = await build();
  });
  afterAll(async () => {
    await adapter.close();
  });

  it.each(TABLE)('$name → $status', async (row) => {
    const answer = await adapter.send(row.method ?? 'GET', row.path, row.headers());
    expect(answer.status).toBe(row.status);
    const challenge = answer.headers['www-authenticate'];
    if (row.challenge === null) expect(challenge).toBeUndefined();
    else if (typeof row.challenge === 'string') expect(challenge).toBe(row.challenge);
    else if (row.challenge !== undefined) expect(challenge).toMatch(row.challenge);
    if (row.code !== undefined) {
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.headers['cache-control']).toBe('no-store');
      const problem = JSON.parse(answer.body) as Record<string, unknown>;
      expect(problem).toMatchObject({ type: `urn:gatehouse:error:${row.code}`, status: row.status });
      for (const token of Object.values(tokens)) expect(answer.body).not.toContain(token.slice(-20));
      if (row.status === 503) expect(answer.headers['retry-after']).toBe('1');
    }
    if (row.body !== undefined) expect(JSON.parse(answer.body)).toEqual(row.body);
  });
});
