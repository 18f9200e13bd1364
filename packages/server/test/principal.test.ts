import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommands } from '../src/commands/index.ts';
import { requireCaller } from '../src/http/authenticate.ts';
import { callerPrincipal } from '../src/http/principal.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createHarness, type Harness, login } from './harness.ts';

// The server's gates on a second Fastify app whose one route answers with the caller's Principal,
// authenticated against the same real Gatehouse as the harness (sessions, tokens, keys).
let h: Harness;
let probe: FastifyInstance;
beforeAll(async () => {
  h = await createHarness();
  probe = Fastify();
  probe.decorateRequest('session', null);
  probe.decorateRequest('bearer', null);
  probe.decorateRequest('apiKey', null);
  await probe.register(fastifyCookie);
  probe.get(
    '/whoami',
    { preHandler: requireCaller(h.gatehouse, undefined, { apiKeys: true }) },
    async (request) => callerPrincipal(request) ?? null,
  );
  await probe.ready();
});
afterAll(async () => {
  await probe.close();
  await h.close();
});

const whoami = (headers: Record<string, string>) =>
  probe.inject({ method: 'GET', url: '/whoami', headers }).then((r) => r.json<Record<string, unknown>>());

describe('the caller as a core Principal', () => {
  it('session cookie: the user, its session by public id, and when it signed in', async () => {
    const before = Date.now();
    const session = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const principal = await whoami({ cookie: session.cookie });
    expect(principal).toEqual({
      subject: session.userId,
      kind: 'user',
      email: ADMIN_EMAIL,
      method: 'session',
      sessionId: session.sessionId,
      authTime: expect.any(Number),
    });
    expect(principal.authTime as number).toBeGreaterThanOrEqual(before);
  });

  it('Bearer access token (token-mode login): the user and the session anchoring the token', async () => {
    const response = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, mode: 'token' },
    });
    const { access_token } = response.json<{ access_token: string }>();
    const principal = await whoami({ authorization: `Bearer ${access_token}` });
    expect(principal).toMatchObject({ kind: 'user', email: ADMIN_EMAIL, method: 'bearer' });
    expect(principal.sessionId).toEqual(expect.any(String));
  });

  it('API key: its owner, no session', async () => {
    const admin = await h.gatehouse.storage.users.findByEmail(ADMIN_EMAIL);
    const created = await createCommands(h.gatehouse).createApiKey({
      ownerId: admin!.id,
      request: { name: 'probe', scopes: ['users:read'] },
      by: 'owner',
      meta: { ip: '127.0.0.1', requestId: 'test' },
    });
    const principal = await whoami({ 'x-api-key': created.key });
    expect(principal).toEqual({ subject: admin!.id, kind: 'user', email: ADMIN_EMAIL, method: 'api_key' });
  });

  it('no credential: no principal, and the gate answers 401 first', async () => {
    expect((await probe.inject({ method: 'GET', url: '/whoami' })).statusCode).toBe(401);
  });
});
