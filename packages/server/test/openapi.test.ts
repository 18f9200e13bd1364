import { totpCode } from '@gatehouse/core';
import { RecordingMailQueue } from '@gatehouse/testkit';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Type } from '@sinclair/typebox';
import { Ajv2020 } from 'ajv/dist/2020.js';
import Fastify, { type LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installOpenApi, registeredRoutes } from '../src/http/openapi.ts';
import { json } from '../src/http/schemas/common.ts';
import { ENGINE_MOUNTS } from '../src/http/schemas/oauth.ts';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  asSession,
  createHarness,
  createUser,
  type Harness,
  type LoggedIn,
  login,
  strongPassword,
} from './harness.ts';

type Schema = Record<string, unknown>;
interface Response {
  description: string;
  content?: Record<string, { schema?: Schema }>;
}
interface Operation {
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, Response>;
}
interface Document {
  openapi: string;
  servers: { url: string }[];
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Schema> };
}

let h: Harness;
const mail = new RecordingMailQueue();
let doc: Document;
let admin: LoggedIn;

beforeAll(async () => {
  // Dynamic registration on, so the admin API's registration tokens answer too.
  h = await createHarness(
    { oauthDynamicRegistration: 'initial-access-token', registration: 'open' },
    { mail },
  );
  doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json<Document>();
  admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
}, 60_000);
afterAll(() => h?.close());

const openApiPath = (url: string) => url.replace(/:([A-Za-z_]+)/g, '{$1}');

/** Routes that are not part of this document, and why. */
const UNDOCUMENTED = new Set([
  // The OAuth engine's endpoints: described by its discovery document (linked from this one).
  ...ENGINE_MOUNTS,
  // Browsers' icon probe: an empty 204.
  '/favicon.ico',
  // The dev outbox pages: development only (never in production), not part of the API.
  '/dev/mail',
  '/dev/mail/:id',
]);

describe('the OpenAPI document covers the routes', () => {
  it('lists every registered route, except the engine mounts, the favicon and the dev outbox pages', () => {
    const routes = registeredRoutes(h.app).filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThan(60);
    const missing = routes.filter(
      (r) =>
        !UNDOCUMENTED.has(r.url) && doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()] === undefined,
    );
    expect(missing).toEqual([]);
    // And nothing documented that Fastify does not serve.
    const served = new Set(routes.map((r) => `${r.method.toLowerCase()} ${openApiPath(r.url)}`));
    const stale = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .map((method) => `${method} ${path}`)
        .filter((op) => !served.has(op)),
    );
    expect(stale).toEqual([]);
  });

  it('gives every operation a success response, with a schema for each JSON body', () => {
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        const success = Object.keys(operation.responses).filter((status) => /^[23]\d\d$/.test(status));
        expect(success, where).not.toEqual([]);
        expect(operation.tags?.length, where).toBe(1);
        expect(operation.security, where).toBeDefined();
        for (const [status, response] of Object.entries(operation.responses)) {
          expect(response.description, `${where} ${status}`).toBeTruthy();
          for (const [mediaType, content] of Object.entries(response.content ?? {}))
            expect(content.schema, `${where} ${status} ${mediaType}`).toBeDefined();
        }
      }
    }
  });
});

describe('the OpenAPI document is valid OpenAPI 3.1', () => {
  it('passes the OpenAPI 3.1 schema', async () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('resolves every $ref, names only declared security schemes and tags, serves from the issuer', () => {
    const refs: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (typeof value === 'object' && value !== null)
        for (const [key, member] of Object.entries(value)) {
          if (key === '$ref' && typeof member === 'string') refs.push(member);
          else walk(member);
        }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\//);
      const target = ref
        .slice(2)
        .split('/')
        .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], doc);
      expect(target, ref).toBeDefined();
    }
    const tags = new Set(doc.tags.map((t) => t.name));
    for (const item of Object.values(doc.paths))
      for (const operation of Object.values(item)) {
        for (const tag of operation.tags ?? []) expect(tags).toContain(tag);
        for (const requirement of operation.security ?? [])
          for (const scheme of Object.keys(requirement))
            expect(doc.components.securitySchemes).toHaveProperty(scheme);
      }
    for (const scheme of ['sessionCookie', 'bearerJwt', 'apiKey', 'dpop'])
      expect(doc.components.securitySchemes).toHaveProperty(scheme);
    expect(doc.servers).toEqual([{ url: h.config.issuer }]);
  });
});

/** Inlines `#/components/schemas/…` references, so a response schema compiles on its own. */
function inline(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(inline);
  if (typeof value !== 'object' || value === null) return value;
  const ref = (value as { $ref?: unknown }).$ref;
  if (typeof ref === 'string') return inline(doc.components.schemas[ref.split('/').pop() ?? '']);
  return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, inline(member)]));
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('date-time', (value: string) => !Number.isNaN(Date.parse(value)));

/** Every `method route status` a real answer was checked against. */
const checked = new Set<string>();

/**
 * The response has the status expected (by default a success), the document lists it for the
 * route, and its body matches the schema.
 */
function expectDocumented(
  method: string,
  route: string,
  response: LightMyRequestResponse,
  expected?: number,
) {
  const where = `${method} ${route} → ${response.statusCode}`;
  if (expected === undefined) expect(response.statusCode, `${where}: ${response.body}`).toBeLessThan(400);
  else expect(response.statusCode, `${where}: ${response.body}`).toBe(expected);
  checked.add(`${method.toLowerCase()} ${route} ${response.statusCode}`);
  const documented = doc.paths[route]?.[method.toLowerCase()]?.responses[String(response.statusCode)];
  expect(documented, where).toBeDefined();
  const mediaType = String(response.headers['content-type'] ?? '').split(';')[0] ?? '';
  if (documented?.content === undefined) {
    expect(response.body, where).toBe('');
    return;
  }
  const schema = documented.content[mediaType]?.schema;
  expect(schema, `${where} (${mediaType})`).toBeDefined();
  if (!mediaType.endsWith('json')) return;
  const validate = ajv.compile(inline(schema) as Schema);
  const body: unknown = response.json();
  expect(validate(body) ? [] : validate.errors, `${where}: ${response.body}`).toEqual([]);
}

describe('real bodies match the documented responses', () => {
  const rs = () => ({ authorization: `Bearer ${h.config.introspectionSecret}` });

  it('health, keys, discovery and the document itself', async () => {
    for (const url of [
      '/healthz',
      '/readyz',
      '/.well-known/jwks.json',
      '/.well-known/authzen-configuration',
      '/openapi.json',
    ])
      expectDocumented('GET', url, await h.app.inject({ method: 'GET', url }));
    expectDocumented('GET', '/', await h.app.inject({ method: 'GET', url: '/' }));
  });

  it('sign-in, account, sessions, profile, password and sign-out', async () => {
    const signIn = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
    });
    expectDocumented('POST', '/login', signIn);
    const tokens = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, mode: 'token' },
    });
    expectDocumented('POST', '/login', tokens);
    const { access_token, refresh_token } = tokens.json<{ access_token: string; refresh_token: string }>();
    expectDocumented(
      'GET',
      '/account',
      await h.app.inject({
        method: 'GET',
        url: '/account',
        headers: { authorization: `Bearer ${access_token}` },
      }),
    );
    expectDocumented('GET', '/account', await asSession(h.app, admin, 'GET', '/account'));
    expectDocumented('GET', '/account/sessions', await asSession(h.app, admin, 'GET', '/account/sessions'));
    expectDocumented('GET', '/account/profile', await asSession(h.app, admin, 'GET', '/account/profile'));
    expectDocumented(
      'GET',
      '/account/applications',
      await asSession(h.app, admin, 'GET', '/account/applications'),
    );
    expectDocumented('GET', '/account', await h.app.inject({ method: 'GET', url: '/account' }), 401);
    const refreshed = await h.app.inject({
      method: 'POST',
      url: '/token/refresh',
      payload: { refresh_token },
    });
    expectDocumented('POST', '/token/refresh', refreshed);
    expectDocumented(
      'POST',
      '/token/refresh',
      await h.app.inject({ method: 'POST', url: '/token/refresh', payload: { refresh_token: 'nope' } }),
      400,
    );
    expectDocumented(
      'POST',
      '/token/revoke',
      await h.app.inject({ method: 'POST', url: '/token/revoke', payload: { refresh_token: 'nope' } }),
    );
    const other = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    expectDocumented(
      'DELETE',
      '/account/sessions/{id}',
      await asSession(h.app, admin, 'DELETE', `/account/sessions/${other.sessionId}`),
    );
    const leaving = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    expectDocumented('POST', '/logout', await asSession(h.app, leaving, 'POST', '/logout'));
  });

  it('second factors: enrolment, the two login steps, recovery codes, removal and the admin reset', async () => {
    const password = strongPassword();
    const user = await createUser(h, 'openapi-mfa@example.test', password);
    const session = await login(h.app, user.email, password);
    const started = await asSession(h.app, session, 'POST', '/account/mfa/totp', {
      name: 'Phone',
      current_password: password,
    });
    expectDocumented('POST', '/account/mfa/totp', started, 201);
    const { id, secret } = started.json<{ id: string; secret: string }>();
    const confirmed = await asSession(h.app, session, 'POST', `/account/mfa/totp/${id}/confirm`, {
      code: totpCode(secret, Date.now()),
    });
    expectDocumented('POST', '/account/mfa/totp/{id}/confirm', confirmed);
    expectDocumented('GET', '/account/mfa', await asSession(h.app, session, 'GET', '/account/mfa'));
    const regenerated = await asSession(h.app, session, 'POST', '/account/mfa/recovery-codes', {
      current_password: password,
    });
    expectDocumented('POST', '/account/mfa/recovery-codes', regenerated);
    const codes = regenerated.json<{ recovery_codes: string[] }>().recovery_codes;
    const pending = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: user.email, password },
    });
    expectDocumented('POST', '/login', pending);
    const transaction = pending.json<{ transaction: string }>().transaction;
    expectDocumented(
      'POST',
      '/login/mfa',
      await h.app.inject({ method: 'POST', url: '/login/mfa', payload: { transaction, code: 'nope' } }),
      401,
    );
    const done = await h.app.inject({
      method: 'POST',
      url: '/login/mfa',
      payload: { transaction, recovery_code: codes[0] },
    });
    expectDocumented('POST', '/login/mfa', done);
    expectDocumented(
      'POST',
      '/account/mfa/{id}/remove',
      await asSession(h.app, session, 'POST', `/account/mfa/${id}/remove`, { current_password: password }),
    );
    expectDocumented(
      'POST',
      '/admin/v1/users/{id}/mfa/reset',
      await asSession(h.app, admin, 'POST', `/admin/v1/users/${user.id}/mfa/reset`),
    );
  });

  it('API keys and their introspection', async () => {
    const created = await asSession(h.app, admin, 'POST', '/account/api-keys', {
      name: 'docs',
      scopes: ['users:read'],
    });
    expectDocumented('POST', '/account/api-keys', created);
    expectDocumented('GET', '/account/api-keys', await asSession(h.app, admin, 'GET', '/account/api-keys'));
    const { key, id } = created.json<{ key: string; id: string }>();
    for (const payload of [
      { key, ip: '192.0.2.1' },
      { key: 'gatehouse_x', ip: '192.0.2.1' },
    ])
      expectDocumented(
        'POST',
        '/api-keys/introspect',
        await h.app.inject({ method: 'POST', url: '/api-keys/introspect', headers: rs(), payload }),
      );
    expectDocumented(
      'GET',
      '/admin/v1/api-keys/{keyId}',
      await asSession(h.app, admin, 'GET', `/admin/v1/api-keys/${id}`),
    );
    expectDocumented(
      'DELETE',
      '/account/api-keys/{keyId}',
      await asSession(h.app, admin, 'DELETE', `/account/api-keys/${id}`),
    );
  });

  it('resource-server endpoints', async () => {
    expectDocumented(
      'POST',
      '/session/introspect',
      await h.app.inject({
        method: 'POST',
        url: '/session/introspect',
        headers: rs(),
        payload: { token: admin.token },
      }),
    );
    expectDocumented(
      'POST',
      '/session/introspect',
      await h.app.inject({ method: 'POST', url: '/session/introspect', payload: { token: admin.token } }),
      401,
    );
    expectDocumented(
      'POST',
      '/permissions/introspect',
      await h.app.inject({
        method: 'POST',
        url: '/permissions/introspect',
        headers: rs(),
        payload: { sub: admin.userId },
      }),
    );
    expectDocumented(
      'GET',
      '/revocations',
      await h.app.inject({ method: 'GET', url: '/revocations', headers: rs() }),
    );
  });

  it('AuthZEN evaluations and search', async () => {
    const subject = { type: 'user', id: admin.userId };
    const request = { subject, resource: { type: 'doc', id: '1' }, action: { name: 'users:read' } };
    expectDocumented(
      'POST',
      '/access/v1/evaluation',
      await h.app.inject({ method: 'POST', url: '/access/v1/evaluation', headers: rs(), payload: request }),
    );
    expectDocumented(
      'POST',
      '/access/v1/evaluations',
      await h.app.inject({
        method: 'POST',
        url: '/access/v1/evaluations',
        headers: rs(),
        payload: { ...request, evaluations: [{}, { action: { name: 'nothing:here' } }] },
      }),
    );
    expectDocumented(
      'POST',
      '/access/v1/search/action',
      await h.app.inject({
        method: 'POST',
        url: '/access/v1/search/action',
        headers: rs(),
        payload: { subject, resource: { type: 'doc', id: '1' } },
      }),
    );
  });

  it('the account lifecycle: sign-up, verification, reset, email change, invitations', async () => {
    const token = (to: string, template: string, key = 'link') =>
      new URL(
        mail
          .to(to)
          .filter((r) => r.template === template)
          .at(-1)?.values[key] ?? '',
      ).searchParams.get('token') ?? '';
    const post = (url: string, payload: Record<string, unknown>) =>
      h.app.inject({ method: 'POST', url, payload });
    const email = 'lifecycle@example.test';
    const password = strongPassword();
    expectDocumented('POST', '/signup', await post('/signup', { email, password }), 202);
    await h.gatehouse.accountFlows.idle();
    expectDocumented('POST', '/verify-email/resend', await post('/verify-email/resend', { email }), 202);
    await h.gatehouse.accountFlows.idle();
    const code = mail.lastTo(email)?.values.code ?? '';
    expectDocumented(
      'POST',
      '/verify-email/code',
      await post('/verify-email/code', { email, code: '1234567' }),
      400,
    );
    expectDocumented('POST', '/verify-email/code', await post('/verify-email/code', { email, code }));
    const user = await h.gatehouse.accounts.findUser(email);
    await h.gatehouse.storage.users.setEmailVerified(user?.id ?? '', false, Date.now());
    await post('/verify-email/resend', { email });
    await h.gatehouse.accountFlows.idle();
    expectDocumented(
      'POST',
      '/verify-email',
      await post('/verify-email', { token: token(email, 'verify-email') }),
    );
    expectDocumented('POST', '/verify-email', await post('/verify-email', { token: 'spent' }), 400);
    expectDocumented('POST', '/forgot-password', await post('/forgot-password', { email }), 202);
    await h.gatehouse.accountFlows.idle();
    const newPassword = strongPassword();
    expectDocumented(
      'POST',
      '/reset-password',
      await post('/reset-password', { token: token(email, 'password-reset'), password: newPassword }),
    );
    const session = await login(h.app, email, newPassword);
    expectDocumented(
      'POST',
      '/account/email/verification',
      await asSession(h.app, session, 'POST', '/account/email/verification'),
      400,
    );
    expectDocumented(
      'POST',
      '/account/email',
      await asSession(h.app, session, 'POST', '/account/email', {
        current_password: newPassword,
        new_email: 'lifecycle2@example.test',
      }),
      202,
    );
    expectDocumented(
      'POST',
      '/email-change/confirm',
      await post('/email-change/confirm', { token: token('lifecycle2@example.test', 'email-change-verify') }),
    );
    expectDocumented(
      'POST',
      '/email-change/undo',
      await post('/email-change/undo', { token: token(email, 'email-change-notice', 'undo_link') }),
    );
    const invited = await asSession(h.app, admin, 'POST', '/admin/v1/invitations', {
      email: 'invitee@example.test',
    });
    expectDocumented('POST', '/admin/v1/invitations', invited, 201);
    expectDocumented(
      'POST',
      '/invitation',
      await post('/invitation', {
        token: token('invitee@example.test', 'invitation'),
        password: strongPassword(),
      }),
    );
    const unverified = await login(h.app, 'invitee@example.test', ADMIN_PASSWORD).catch(() => undefined);
    expect(unverified).toBeUndefined();
    const fresh = await createUser(h, 'unverified@example.test', password);
    const own = await login(h.app, 'unverified@example.test', password);
    expectDocumented(
      'POST',
      '/account/email/verification',
      await asSession(h.app, own, 'POST', '/account/email/verification'),
      202,
    );
    expectDocumented(
      'POST',
      '/admin/v1/users/{id}/password-reset',
      await asSession(h.app, admin, 'POST', `/admin/v1/users/${fresh.id}/password-reset`),
      202,
    );
    for (const url of [
      '/signup',
      '/forgot-password',
      '/verify-email/resend',
      '/verify-email',
      '/verify-email/code',
      '/email-change/confirm',
      '/email-change/undo',
    ])
      expectDocumented('GET', url, await h.app.inject({ method: 'GET', url }));
    expectDocumented(
      'GET',
      '/reset-password',
      await h.app.inject({ method: 'GET', url: '/reset-password' }),
      400,
    );
    expectDocumented('GET', '/invitation', await h.app.inject({ method: 'GET', url: '/invitation' }), 400);
  });

  it('the admin API, problems included', async () => {
    const user = await asSession(h.app, admin, 'POST', '/admin/v1/users', {
      email: 'docs@example.test',
      password: strongPassword(),
    });
    expectDocumented('POST', '/admin/v1/users', user);
    const userId = user.json<{ id: string }>().id;
    for (const [route, url] of [
      ['/admin/v1/users', '/admin/v1/users'],
      ['/admin/v1/roles', '/admin/v1/roles'],
      ['/admin/v1/audit-events', '/admin/v1/audit-events?limit=5'],
      ['/admin/v1/service-accounts', '/admin/v1/service-accounts'],
      ['/admin/v1/clients', '/admin/v1/clients'],
      ['/admin/v1/policies', '/admin/v1/policies'],
      ['/admin/v1/signing-keys', '/admin/v1/signing-keys'],
      ['/admin/v1/users/{id}/profile', `/admin/v1/users/${userId}/profile`],
      ['/admin/v1/users/{id}/api-keys', `/admin/v1/users/${userId}/api-keys`],
      ['/admin/v1/users/{id}/oauth-grants', `/admin/v1/users/${userId}/oauth-grants`],
    ] as const)
      expectDocumented('GET', route, await asSession(h.app, admin, 'GET', url));
    const account = await asSession(h.app, admin, 'POST', '/admin/v1/service-accounts', { name: 'docs-bot' });
    expectDocumented('POST', '/admin/v1/service-accounts', account);
    const client = await asSession(h.app, admin, 'POST', '/admin/v1/clients', {
      name: 'Docs',
      type: 'confidential',
      redirect_uris: ['https://docs.example.test/cb'],
    });
    expectDocumented('POST', '/admin/v1/clients', client);
    expectDocumented(
      'PUT',
      '/admin/v1/roles/{name}',
      await asSession(h.app, admin, 'PUT', '/admin/v1/roles/docs', { permissions: ['docs:read'] }),
    );
    expectDocumented(
      'DELETE',
      '/admin/v1/users/{id}/sessions',
      await asSession(h.app, admin, 'DELETE', `/admin/v1/users/${userId}/sessions`),
    );
    // Problems: unauthenticated, not found, invalid.
    expectDocumented(
      'GET',
      '/admin/v1/users',
      await h.app.inject({ method: 'GET', url: '/admin/v1/users' }),
      401,
    );
    expectDocumented(
      'GET',
      '/admin/v1/clients/{id}',
      await asSession(h.app, admin, 'GET', '/admin/v1/clients/c_missing'),
      404,
    );
    expectDocumented(
      'POST',
      '/admin/v1/users',
      await asSession(h.app, admin, 'POST', '/admin/v1/users', { email: 'x@example.test', extra: true }),
      400,
    );
  });
});

describe('real bodies match the documented responses: every write', () => {
  const rs = () => ({ authorization: `Bearer ${h.config.introspectionSecret}` });

  it('the caller’s own password, profile, keys, applications and token-mode sign-out', async () => {
    const password = strongPassword();
    await createUser(h, 'self@example.test', password);
    const self = await login(h.app, 'self@example.test', password);
    expectDocumented(
      'POST',
      '/account/password',
      await asSession(h.app, self, 'POST', '/account/password', {
        current_password: password,
        new_password: strongPassword(),
      }),
    );
    const again = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    expectDocumented(
      'PUT',
      '/account/profile',
      await asSession(h.app, again, 'PUT', '/account/profile', { given_name: 'Ada' }),
    );
    const key = await asSession(h.app, again, 'POST', '/account/api-keys', {
      name: 'rotating',
      scopes: ['users:read'],
    });
    expectDocumented(
      'POST',
      '/account/api-keys/{keyId}/rotate',
      await asSession(h.app, again, 'POST', `/account/api-keys/${key.json<{ id: string }>().id}/rotate`, {}),
    );
    expectDocumented(
      'DELETE',
      '/account/applications/{grant}',
      await asSession(h.app, again, 'DELETE', '/account/applications/grant-not-there'),
      404,
    );
    const tokens = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, mode: 'token' },
    });
    expectDocumented(
      'POST',
      '/logout',
      await h.app.inject({
        method: 'POST',
        url: '/logout',
        headers: { authorization: `Bearer ${tokens.json<{ access_token: string }>().access_token}` },
      }),
    );
  });

  it('AuthZEN search by subject and by resource', async () => {
    const subject = { type: 'user', id: admin.userId };
    for (const [route, payload] of [
      [
        '/access/v1/search/subject',
        { subject: { type: 'user' }, resource: { type: 'doc', id: '1' }, action: { name: 'users:read' } },
      ],
      ['/access/v1/search/resource', { subject, resource: { type: 'doc' }, action: { name: 'users:read' } }],
    ] as const)
      expectDocumented(
        'POST',
        route,
        await h.app.inject({ method: 'POST', url: route, headers: rs(), payload }),
      );
  });

  it('users, roles, grants and access tokens', async () => {
    const created = await asSession(h.app, admin, 'POST', '/admin/v1/users', {
      email: 'writes@example.test',
      password: strongPassword(),
    });
    const id = created.json<{ id: string }>().id;
    await asSession(h.app, admin, 'PUT', '/admin/v1/roles/writer', { permissions: ['docs:write'] });
    for (const [method, route, url, payload] of [
      ['POST', '/admin/v1/users/{id}/disable', `/admin/v1/users/${id}/disable`, undefined],
      ['POST', '/admin/v1/users/{id}/enable', `/admin/v1/users/${id}/enable`, undefined],
      [
        'PUT',
        '/admin/v1/users/{id}/password',
        `/admin/v1/users/${id}/password`,
        { password: strongPassword() },
      ],
      ['PUT', '/admin/v1/users/{id}/profile', `/admin/v1/users/${id}/profile`, { family_name: 'Lovelace' }],
      ['POST', '/admin/v1/users/{id}/roles', `/admin/v1/users/${id}/roles`, { role: 'writer' }],
      ['DELETE', '/admin/v1/users/{id}/roles/{role}', `/admin/v1/users/${id}/roles/writer`, undefined],
      ['DELETE', '/admin/v1/roles/{name}', '/admin/v1/roles/writer', undefined],
      ['DELETE', '/admin/v1/users/{id}/oauth-grants', `/admin/v1/users/${id}/oauth-grants`, undefined],
      ['POST', '/admin/v1/access-tokens/revoke', '/admin/v1/access-tokens/revoke', { jti: 'docs-jti-1' }],
      ['POST', '/admin/v1/sessions/revoke-all', '/admin/v1/sessions/revoke-all', { user: id }],
      ['DELETE', '/admin/v1/users/{id}', `/admin/v1/users/${id}`, undefined],
    ] as const)
      expectDocumented(method, route, await asSession(h.app, admin, method, url, payload));
  });

  it('service accounts and their keys', async () => {
    const account = await asSession(h.app, admin, 'POST', '/admin/v1/service-accounts', {
      name: 'writes-bot',
    });
    const id = account.json<{ id: string }>().id;
    const key = await asSession(h.app, admin, 'POST', `/admin/v1/users/${id}/api-keys`, {
      name: 'bot',
      scopes: ['users:read'],
      rate_limit: { limit: 10, window_seconds: 60 },
    });
    expectDocumented('POST', '/admin/v1/users/{id}/api-keys', key);
    const keyId = key.json<{ id: string }>().id;
    const rotated = await asSession(h.app, admin, 'POST', `/admin/v1/api-keys/${keyId}/rotate`, {});
    expectDocumented('POST', '/admin/v1/api-keys/{keyId}/rotate', rotated);
    for (const [method, route, url, payload] of [
      ['GET', '/admin/v1/service-accounts/{id}', `/admin/v1/service-accounts/${id}`, undefined],
      [
        'PATCH',
        '/admin/v1/service-accounts/{id}',
        `/admin/v1/service-accounts/${id}`,
        { description: 'docs' },
      ],
      [
        'POST',
        '/admin/v1/service-accounts/{id}/disable',
        `/admin/v1/service-accounts/${id}/disable`,
        undefined,
      ],
      [
        'POST',
        '/admin/v1/service-accounts/{id}/enable',
        `/admin/v1/service-accounts/${id}/enable`,
        undefined,
      ],
      [
        'DELETE',
        '/admin/v1/api-keys/{keyId}',
        `/admin/v1/api-keys/${rotated.json<{ id: string }>().id}`,
        undefined,
      ],
      ['DELETE', '/admin/v1/service-accounts/{id}', `/admin/v1/service-accounts/${id}`, undefined],
    ] as const)
      expectDocumented(method, route, await asSession(h.app, admin, method, url, payload));
  });

  it('OAuth clients', async () => {
    const client = await asSession(h.app, admin, 'POST', '/admin/v1/clients', {
      name: 'Writes',
      type: 'confidential',
      redirect_uris: ['https://writes.example.test/cb'],
    });
    const id = client.json<{ client_id: string }>().client_id;
    for (const [method, route, url, payload] of [
      ['GET', '/admin/v1/clients/{id}', `/admin/v1/clients/${id}`, undefined],
      [
        'POST',
        '/admin/v1/clients/{id}/rotate-secret',
        `/admin/v1/clients/${id}/rotate-secret`,
        { overlap_seconds: 60 },
      ],
      [
        'DELETE',
        '/admin/v1/clients/{id}/previous-secret',
        `/admin/v1/clients/${id}/previous-secret`,
        undefined,
      ],
      ['POST', '/admin/v1/clients/registration-tokens', '/admin/v1/clients/registration-tokens', {}],
      ['DELETE', '/admin/v1/clients/{id}', `/admin/v1/clients/${id}`, undefined],
    ] as const)
      expectDocumented(method, route, await asSession(h.app, admin, method, url, payload));
  });

  it('policy documents, an invalid one and an explanation', async () => {
    const source = 'version: 1\nroles:\n  - name: analyst\n    permissions: [reports:read]\n';
    const put = await asSession(h.app, admin, 'PUT', '/admin/v1/policies/docs', { source });
    expectDocumented('PUT', '/admin/v1/policies/{name}', put, 201);
    const replaced = await asSession(h.app, admin, 'PUT', '/admin/v1/policies/docs', {
      source: `${source}# v2\n`,
    });
    expectDocumented('PUT', '/admin/v1/policies/{name}', replaced, 200);
    expectDocumented(
      'PUT',
      '/admin/v1/policies/{name}',
      await asSession(h.app, admin, 'PUT', '/admin/v1/policies/docs', { source: `${source}rules: [oops` }),
      400,
    );
    expectDocumented(
      'GET',
      '/admin/v1/policies/{name}',
      await asSession(h.app, admin, 'GET', '/admin/v1/policies/docs'),
    );
    expectDocumented(
      'POST',
      '/admin/v1/policies/explain',
      await asSession(h.app, admin, 'POST', '/admin/v1/policies/explain', {
        subject: { type: 'user', id: admin.userId },
        resource: { type: 'reports', id: 'r1' },
        action: { name: 'read' },
      }),
    );
    expectDocumented(
      'DELETE',
      '/admin/v1/policies/{name}',
      await asSession(h.app, admin, 'DELETE', '/admin/v1/policies/docs'),
    );
  });

  it('a signing key revoked (last: a new key takes over)', async () => {
    const keys = (await asSession(h.app, admin, 'GET', '/admin/v1/signing-keys')).json<{
      keys: { kid: string; status: string }[];
    }>();
    const next = keys.keys.find((k) => k.status === 'next') ?? keys.keys[0]!;
    expectDocumented(
      'POST',
      '/admin/v1/signing-keys/{kid}/revoke',
      await asSession(h.app, admin, 'POST', `/admin/v1/signing-keys/${next.kid}/revoke`),
    );
  });
});

describe('user import', () => {
  it('answers a report of every row, and a problem for a body that is not rows', async () => {
    const rows = [
      {
        email: 'imported-doc@example.test',
        password_hash: '$2b$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK',
      },
      { email: 'not an address' },
    ];
    expectDocumented(
      'POST',
      '/admin/v1/users/import',
      await asSession(h.app, admin, 'POST', '/admin/v1/users/import', rows),
    );
    expectDocumented(
      'POST',
      '/admin/v1/users/import',
      await asSession(h.app, admin, 'POST', '/admin/v1/users/import', { email: 'x@example.test' }),
      400,
    );
  });
});

describe('the scenarios cover the document', () => {
  it('checked a real body for every documented JSON success answer', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).flatMap(([method, operation]) =>
        Object.entries(operation.responses)
          .filter(
            ([status, response]) => /^2/.test(status) && response.content?.['application/json'] !== undefined,
          )
          .map(([status]) => `${method} ${path} ${status}`),
      ),
    );
    expect(documented.filter((answer) => !checked.has(answer))).toEqual([]);
  });
});

describe('the reference page', () => {
  it('is rendered by us from the document: no script, nothing from another origin, the page CSP', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/docs/api' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toContain("script-src 'none'");
    expect(response.body).not.toMatch(/<script|<link|<img|src=/i);
    expect(response.body).toContain('<code>POST /login</code>');
    expect(response.body).toContain('<code>DELETE /admin/v1/users/{id}</code>');
    expect(response.body).toContain('href="/openapi.json"');
    // Descriptions: code spans become <code>, the rest is escaped text.
    expect(response.body).toContain('<code>mode: &quot;token&quot;</code>');
    // The nonce is per response, not baked into the cached rendering.
    const again = await h.app.inject({ method: 'GET', url: '/docs/api' });
    expect(again.headers['content-security-policy']).not.toBe(response.headers['content-security-policy']);
  });
});

describe('response schemas document, they never reshape a body', () => {
  it('keeps members the schema does not name, and their types', async () => {
    const app = Fastify();
    await installOpenApi(app, 'http://localhost:8080');
    app.get(
      '/thing',
      { schema: { response: { 200: json(Type.Object({ a: Type.String() }), 'A thing.') } } },
      async () => ({ a: 1, b: 'kept' }),
    );
    const response = await app.inject({ method: 'GET', url: '/thing' });
    // fast-json-stringify would have answered {"a":"1"}.
    expect(response.body).toBe('{"a":1,"b":"kept"}');
    await app.close();
  });
});
