import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createUser, type Harness, login, strongPassword } from './harness.ts';

let h: Harness;
let editorId: string;
let readerId: string;
const pw = strongPassword();

beforeAll(async () => {
  h = await createHarness({ loginLimitPerAccountAndIp: 1000, loginLimitPerAccount: 1000 });
  await h.gatehouse.accounts.upsertRole({ name: 'editor', permissions: ['note:*'] });
  await h.gatehouse.accounts.upsertRole({ name: 'reader', permissions: ['note:read'] });
  editorId = (await createUser(h, 'editor@example.test', pw, ['editor'])).id;
  readerId = (await createUser(h, 'reader@example.test', pw, ['reader'])).id;
});
afterAll(() => h.close());

const asServer = () => ({
  authorization: `Bearer ${h.config.introspectionSecret}`,
  'x-request-id': 'authzen-1',
});
const request = (subject: string, action: string, resourceType = 'note') => ({
  subject: { type: 'user', id: subject },
  resource: { type: resourceType, id: '42' },
  action: { name: action },
});

describe('AuthZEN Authorization API 1.0', () => {
  it('publishes its configuration', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/.well-known/authzen-configuration' });
    expect(response.json()).toEqual({
      policy_decision_point: h.config.issuer,
      access_evaluation_endpoint: `${h.config.issuer}/access/v1/evaluation`,
      access_evaluations_endpoint: `${h.config.issuer}/access/v1/evaluations`,
      search_subject_endpoint: `${h.config.issuer}/access/v1/search/subject`,
      search_resource_endpoint: `${h.config.issuer}/access/v1/search/resource`,
      search_action_endpoint: `${h.config.issuer}/access/v1/search/action`,
    });
  });

  it('evaluates one request from a resource server and echoes X-Request-ID', async () => {
    const allow = await h.app.inject({
      method: 'POST',
      url: '/access/v1/evaluation',
      headers: asServer(),
      payload: request(editorId, 'delete'),
    });
    expect(allow.statusCode).toBe(200);
    expect(allow.json()).toEqual({ decision: true });
    expect(allow.headers['x-request-id']).toBe('authzen-1');
    const deny = await h.app.inject({
      method: 'POST',
      url: '/access/v1/evaluation',
      headers: asServer(),
      payload: request(readerId, 'delete'),
    });
    expect(deny.json()).toEqual({ decision: false, context: { reason: 'no_match' } });
  });

  it('unknown subjects, resources and actions are decision false; malformed requests are 400', async () => {
    for (const payload of [
      request('0'.repeat(32), 'read'),
      request(editorId, 'read', 'unknown-type'),
      request(readerId, 'fly'),
    ]) {
      const response = await h.app.inject({
        method: 'POST',
        url: '/access/v1/evaluation',
        headers: asServer(),
        payload,
      });
      expect(response.statusCode).toBe(200);
      expect(response.json().decision).toBe(false);
    }
    // Unknown members are ignored (AuthZEN 1.0; see authzen-conformance.test.ts AZ-04).
    for (const payload of [
      {},
      { subject: { type: 'user' } },
      { ...request(editorId, 'read'), action: 'read' },
    ]) {
      const response = await h.app.inject({
        method: 'POST',
        url: '/access/v1/evaluation',
        headers: asServer(),
        payload,
      });
      expect(response.statusCode).toBe(400);
    }
  });

  it('batch evaluations: defaults, per-item overrides and the three semantics', async () => {
    const batch = (semantic?: string) =>
      h.app.inject({
        method: 'POST',
        url: '/access/v1/evaluations',
        headers: asServer(),
        payload: {
          subject: { type: 'user', id: readerId },
          resource: { type: 'note', id: '1' },
          evaluations: [
            { action: { name: 'read' } },
            { action: { name: 'delete' } },
            { action: { name: 'delete' }, subject: { type: 'user', id: editorId } },
          ],
          ...(semantic === undefined ? {} : { options: { evaluations_semantic: semantic } }),
        },
      });
    const decisions = async (semantic?: string) =>
      (await batch(semantic))
        .json<{ evaluations: { decision: boolean }[] }>()
        .evaluations.map((e) => e.decision);
    expect(await decisions()).toEqual([true, false, true]);
    expect(await decisions('execute_all')).toEqual([true, false, true]);
    expect(await decisions('deny_on_first_deny')).toEqual([true, false]);
    expect(await decisions('permit_on_first_permit')).toEqual([true]);
    expect((await batch('sometimes')).statusCode).toBe(400);
  });

  it('callers authenticate; an ordinary user may only ask about itself', async () => {
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: '/access/v1/evaluation',
          payload: request(editorId, 'read'),
        })
      ).statusCode,
    ).toBe(401);
    const reader = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: 'reader@example.test', password: pw, mode: 'token' },
    });
    const bearer = { authorization: `Bearer ${reader.json().access_token}` };
    const self = await h.app.inject({
      method: 'POST',
      url: '/access/v1/evaluation',
      headers: bearer,
      payload: request(readerId, 'read'),
    });
    expect(self.json()).toEqual({ decision: true });
    const other = await h.app.inject({
      method: 'POST',
      url: '/access/v1/evaluation',
      headers: bearer,
      payload: request(editorId, 'read'),
    });
    expect(other.statusCode).toBe(403);
    const session = await login(h.app, 'reader@example.test', pw);
    const noCsrf = await h.app.inject({
      method: 'POST',
      url: '/access/v1/evaluation',
      headers: { cookie: session.cookie },
      payload: request(readerId, 'read'),
    });
    expect(noCsrf.statusCode).toBe(403);
  });

  it('role changes take effect at once', async () => {
    const ask = async () =>
      (
        await h.app.inject({
          method: 'POST',
          url: '/access/v1/evaluation',
          headers: asServer(),
          payload: request(readerId, 'delete'),
        })
      ).json().decision;
    expect(await ask()).toBe(false);
    await h.gatehouse.accounts.grantRole(readerId, 'editor');
    expect(await ask()).toBe(true);
    await h.gatehouse.accounts.revokeRole(readerId, 'editor');
    expect(await ask()).toBe(false);
  });

  it('a disabled user is denied at once (the subject cache is cleared by the bus), and again allowed when enabled', async () => {
    const read = async () =>
      (
        await h.app.inject({
          method: 'POST',
          url: '/access/v1/evaluation',
          headers: asServer(),
          payload: request(editorId, 'read'),
        })
      ).json().decision;
    expect(await read()).toBe(true);
    await h.gatehouse.accounts.setDisabled(editorId, true);
    expect(await read()).toBe(false);
    await h.gatehouse.accounts.setDisabled(editorId, false);
    expect(await read()).toBe(true);
  });
});

describe('AuthZEN over policy documents (GATEHOUSE_POLICY_DIR)', () => {
  let p: Harness;
  beforeAll(async () => {
    p = await createHarness({ policyDir: new URL('../../../examples/policies', import.meta.url).pathname });
  });
  afterAll(() => p.close());

  const ask = async (subject: string, action: string, properties: Record<string, unknown>) =>
    (
      await p.app.inject({
        method: 'POST',
        url: '/access/v1/evaluation',
        headers: { authorization: `Bearer ${p.config.introspectionSecret}` },
        payload: {
          subject: { type: 'user', id: subject },
          resource: { type: 'notes', id: 'n-1', properties },
          action: { name: action },
        },
      })
    ).json().decision;

  it('authors delete their own notes, moderators anyone’s, and archived notes stay read-only', async () => {
    expect(await ask('alice', 'delete', { ownerID: 'alice' })).toBe(true);
    expect(await ask('alice', 'delete', { ownerID: 'bob' })).toBe(false);
    expect(await ask('mona', 'delete', { ownerID: 'bob' })).toBe(true);
    expect(await ask('mona', 'delete', { ownerID: 'bob', archived: true })).toBe(false);
    expect(await ask('rita', 'read', { ownerID: 'bob', archived: true })).toBe(true);
    expect(await ask('nobody', 'read', {})).toBe(false);
  });
});
