import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwtAccessTokenMinter } from '../../../packages/server/src/tokens/access-token-minter.ts';
import { createUser, type Harness, strongPassword } from '../../../packages/server/test/harness.ts';
import { NoteStore } from '../src/notes.ts';
import { type NotesStack, startNotesStack } from './stack.ts';

/** AZ-08: delegated tokens act within their scopes; tokens for another resource server are invalid. */
let stack: NotesStack;
let h: Harness;
let notesApp: FastifyInstance;
const notes = new NoteStore();
let userId: string;

beforeAll(async () => {
  stack = await startNotesStack({
    harness: { loginLimitPerAccountAndIp: 1000, loginLimitPerAccount: 1000 },
    notes,
    guardOptions: (url, gatehouse) => ({
      issuer: gatehouse.config.issuer,
      audience: gatehouse.config.tokenAudience,
      jwksUri: `${url}/.well-known/jwks.json`,
    }),
  });
  ({ h, notesApp } = stack);
  await h.gatehouse.accounts.upsertRole({ name: 'moderator', permissions: ['notes:*'] });
  userId = (await createUser(h, 'mod@example.test', strongPassword(), ['moderator'])).id;
});
afterAll(async () => {
  await stack?.close();
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
