import { createGuard, type Guard } from '@gatehouse/guard';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwtAccessTokenMinter } from '../../../packages/server/src/tokens/access-token-minter.ts';
import {
  createHarness,
  createUser,
  type Harness,
  strongPassword,
} from '../../../packages/server/test/harness.ts';
import { buildNotesApp } from '../src/app.ts';
import { NoteStore } from '../src/notes.ts';

/** AZ-08: delegated tokens act within their scopes; tokens for another resource server are invalid. */
let h: Harness;
let guard: Guard;
let notesApp: FastifyInstance;
const notes = new NoteStore();
let userId: string;

beforeAll(async () => {
  h = await createHarness({ loginLimitPerAccountAndIp: 1000, loginLimitPerAccount: 1000 });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const address = h.app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  await h.gatehouse.accounts.upsertRole({ name: 'moderator', permissions: ['notes:*'] });
  userId = (await createUser(h, 'mod@example.test', strongPassword(), ['moderator'])).id;
  guard = createGuard({
    gatehouseUrl: base,
    issuer: h.config.issuer,
    audience: h.config.tokenAudience,
    jwksUri: `${base}/.well-known/jwks.json`,
    introspectionSecret: h.config.introspectionSecret!,
  });
  await guard.ready();
  notesApp = buildNotesApp({ guard, notes });
  await notesApp.ready();
});
afterAll(async () => {
  await notesApp.close();
  await guard.close();
  await h.close();
});

const mint = (audience: string, clientId: string, scope: string) =>
  new JwtAccessTokenMinter({
    keys: h.gatehouse.keyRing,
    issuer: h.config.issuer,
    audience,
    ttlSeconds: 300,
    now: () => Date.now(),
  }).mint({ subject: userId, clientId, scope, sessionId: 'no-session' });

describe('AZ-08 scopes and audience at the notes-api', () => {
  it('a delegated token with scope notes:read cannot delete: 403 insufficient_scope naming notes:delete', async () => {
    const note = notes.add({ ownerId: 'someone', title: 't', body: 'b' });
    const { token } = await mint(h.config.tokenAudience, 'third-party-app', 'notes:read');
    const response = await notesApp.inject({
      method: 'DELETE',
      url: `/notes/${note.id}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['www-authenticate']).toMatch(
      /^Bearer .*error="insufficient_scope".*scope="notes:delete"/,
    );
    expect(notes.get(note.id)).toBeDefined();
    const scoped = await mint(h.config.tokenAudience, 'third-party-app', 'notes:read notes:delete');
    const allowed = await notesApp.inject({
      method: 'DELETE',
      url: `/notes/${note.id}`,
      headers: { authorization: `Bearer ${scoped.token}` },
    });
    expect(allowed.statusCode).toBe(204);
  });

  it('a token whose audience is another resource server gets 401 invalid_token', async () => {
    const { token } = await mint('https://other-rs.example.test', 'gatehouse', '');
    const response = await notesApp.inject({
      method: 'GET',
      url: '/notes',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
  });
});
