import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createUser, type Harness, strongPassword } from './harness.ts';

const policyDir = fileURLToPath(new URL('../../../examples/policies', import.meta.url));
const server = { authorization: 'Bearer test-introspection-secret-0123456789abcdef' };
let h: Harness;
let storedModerator: string;
let storedReader: string;
const pw = strongPassword();

beforeAll(async () => {
  h = await createHarness({ policyDir, loginLimitPerAccountAndIp: 1000, loginLimitPerAccount: 1000 });
  await h.gatehouse.accounts.upsertRole({ name: 'moderator', permissions: ['notes:read'] });
  await h.gatehouse.accounts.upsertRole({ name: 'reader', permissions: ['notes:read', 'invoices:approve'] });
  storedModerator = (await createUser(h, 'stored-mod@example.test', pw, ['moderator'])).id;
  storedReader = (await createUser(h, 'stored-reader@example.test', pw, ['reader'])).id;
});
afterAll(() => h.close());

const post = (url: string, payload: object, headers: Record<string, string> = server) =>
  h.app.inject({ method: 'POST', url: `/access/v1/search/${url}`, headers, payload });

describe('AuthZEN search (§8)', () => {
  it('subject search: every subject the decision point allows, from documents and stored roles', async () => {
    const response = await post('subject', {
      subject: { type: 'user' },
      resource: { type: 'notes', id: 'n-42', properties: { ownerID: 'bob' } },
      action: { name: 'delete' },
    });
    expect(response.statusCode).toBe(200);
    const ids = response.json().results.map((r: { id: string }) => r.id);
    // bob owns it (author rule), mona is a moderator, pat moderates n-42 only; the stored moderator
    // and the bootstrap admin (`*`) too.
    const adminId = (await h.gatehouse.accounts.findUser('admin@example.test'))!.id;
    expect(ids.sort()).toEqual(['bob', 'mona', 'pat', storedModerator, adminId].sort());
    expect(response.json().results[0]).toEqual({ type: 'user', id: expect.any(String) });
    expect(response.json().page).toEqual({ next_token: '', count: 5 });
  });

  it('subject search pages with page.limit and page.token', async () => {
    const ask = (page: object) =>
      post('subject', {
        subject: { type: 'user' },
        resource: { type: 'notes', id: 'n-1', properties: { ownerID: 'nobody' } },
        action: { name: 'read' },
        page,
      });
    const all = (await ask({})).json().results.map((r: { id: string }) => r.id);
    expect(all.length).toBeGreaterThan(3);
    const seen: string[] = [];
    let token = '';
    for (let i = 0; i < 20; i++) {
      const body = (await ask({ limit: 2, ...(token ? { token } : {}) })).json();
      seen.push(...body.results.map((r: { id: string }) => r.id));
      expect(body.results.length).toBeLessThanOrEqual(2);
      token = body.page.next_token;
      if (token === '') break;
    }
    expect(seen).toEqual(all);
  });

  it('resource search lists resource-scoped grants; action search lists allowed actions', async () => {
    const resources = await post('resource', {
      subject: { type: 'user', id: 'pat' },
      resource: { type: 'notes' },
      action: { name: 'delete' },
    });
    expect(resources.json()).toEqual({
      results: [{ type: 'notes', id: 'n-42' }],
      page: { next_token: '', count: 1 },
    });
    const actions = await post('action', {
      subject: { type: 'user', id: 'alice' },
      resource: { type: 'notes', id: 'n-1', properties: { ownerID: 'alice' } },
    });
    expect(actions.json().results).toEqual([
      { name: 'create' },
      { name: 'delete' },
      { name: 'read' },
      { name: 'update' },
    ]);
    const archived = await post('action', {
      subject: { type: 'user', id: 'alice' },
      resource: { type: 'notes', id: 'n-1', properties: { ownerID: 'alice', archived: true } },
    });
    expect(archived.json().results).toEqual([{ name: 'read' }]);
    // Stored permissions on types the documents do not declare are searchable too.
    const stored = await post('action', {
      subject: { type: 'user', id: storedReader },
      resource: { type: 'invoices', id: 'i-1' },
    });
    expect(stored.json().results).toEqual([{ name: 'approve' }]);
  });

  it('users may search for themselves only, and never subjects; malformed requests are 400', async () => {
    const login = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: 'stored-reader@example.test', password: pw, mode: 'token' },
    });
    const bearer = { authorization: `Bearer ${login.json().access_token}` };
    const self = await post(
      'action',
      { subject: { type: 'user', id: storedReader }, resource: { type: 'notes', id: 'n-1' } },
      bearer,
    );
    expect(self.statusCode).toBe(200);
    expect(self.json().results).toEqual([{ name: 'read' }]);
    expect(
      (
        await post(
          'action',
          { subject: { type: 'user', id: 'alice' }, resource: { type: 'notes', id: 'n-1' } },
          bearer,
        )
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await post(
          'subject',
          { subject: { type: 'user' }, resource: { type: 'notes', id: 'n-1' }, action: { name: 'read' } },
          bearer,
        )
      ).statusCode,
    ).toBe(403);
    // Callers authenticate before the body is even validated.
    expect((await post('subject', { subject: { type: 'user' } }, {})).statusCode).toBe(401);
    for (const body of [
      { subject: {}, resource: { type: 'notes', id: 'n' }, action: { name: 'read' } },
      {
        subject: { type: 'user' },
        resource: { type: 'notes', id: 'n' },
        action: { name: 'read' },
        page: { limit: 0 },
      },
      {
        subject: { type: 'user' },
        resource: { type: 'notes', id: 'n' },
        action: { name: 'read' },
        page: { token: '!!' },
      },
    ]) {
      expect((await post('subject', body)).statusCode).toBe(400);
    }
  });
});
