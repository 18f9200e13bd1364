import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createGuard, type Guard } from '@gatehouse/guard';
import { expressGuard } from '@gatehouse/guard/express';
import { honoGuard } from '@gatehouse/guard/hono';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createUser, type Harness, type LoggedIn, login, strongPassword } from './harness.ts';

/**
 * The guard's policy decisions (`requirePermission(permission, { resource })`) through the Express
 * and Hono adapters against a real Gatehouse running examples/policies.
 */
const policyDir = fileURLToPath(new URL('../../../examples/policies', import.meta.url));
let h: Harness;
let base = '';
let ann: LoggedIn;
let annId: string;
const pw = strongPassword();
const owners: Record<string, string> = {};

beforeAll(async () => {
  h = await createHarness({ policyDir, loginLimitPerAccountAndIp: 1000, loginLimitPerAccount: 1000 });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  await h.gatehouse.accounts.upsertRole({ name: 'author', permissions: ['notes:read'] });
  annId = (await createUser(h, 'ann-guard@example.test', pw, ['author'])).id;
  ann = await login(h.app, 'ann-guard@example.test', pw);
  Object.assign(owners, { mine: annId, theirs: 'someone-else' });
});
afterAll(() => h.close());

const guardWith = (fetchImpl?: typeof fetch): Guard =>
  createGuard({
    gatehouseUrl: base,
    introspectionSecret: h.config.introspectionSecret!,
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
  });

function expressApp(guard: Guard) {
  const app = express();
  const auth = expressGuard(guard);
  app.delete(
    '/notes/:id',
    auth.requirePermission('notes:delete', {
      resource: (req) => ({
        id: String(req.params.id),
        properties: { ownerID: owners[String(req.params.id)] },
      }),
    }),
    (_req, res) => {
      res.status(204).end();
    },
  );
  return app;
}

function honoApp(guard: Guard) {
  const app = new Hono();
  const auth = honoGuard(guard);
  app.delete(
    '/notes/:id',
    auth.requirePermission('notes:delete', {
      resource: (c) => ({
        id: c.req.param('id') ?? '',
        properties: { ownerID: owners[c.req.param('id') ?? ''] },
      }),
    }),
    (c) => c.body(null, 204),
  );
  return app;
}

describe('guard policy decisions through every adapter', () => {
  it('Express: own note 204, someone else’s 403 problem+json', async () => {
    const server = expressApp(guardWith()).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const mine = await fetch(`${url}/notes/mine`, { method: 'DELETE', headers: { cookie: ann.cookie } });
      expect(mine.status).toBe(204);
      const theirs = await fetch(`${url}/notes/theirs`, {
        method: 'DELETE',
        headers: { cookie: ann.cookie },
      });
      expect(theirs.status).toBe(403);
      expect(theirs.headers.get('content-type')).toContain('application/problem+json');
      expect(await theirs.text()).not.toMatch(/owner|rule|policy|author/i);
    } finally {
      server.close();
    }
  });

  it('Hono: the same decisions', async () => {
    const app = honoApp(guardWith());
    const send = (id: string) =>
      app.request(`http://notes.test/notes/${id}`, { method: 'DELETE', headers: { cookie: ann.cookie } });
    expect((await send('mine')).status).toBe(204);
    expect((await send('theirs')).status).toBe(403);
  });

  it('fails closed: the decision point unreachable is 503, never the handler', async () => {
    const failing: typeof fetch = (input, init) =>
      String(input).includes('/access/v1/evaluation')
        ? Promise.reject(new Error('connection refused'))
        : fetch(input, init);
    const app = honoApp(guardWith(failing));
    const response = await app.request('http://notes.test/notes/mine', {
      method: 'DELETE',
      headers: { cookie: ann.cookie },
    });
    expect(response.status).toBe(503);
  });
});
