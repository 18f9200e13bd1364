import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  createUser,
  type Harness,
  login,
  strongPassword,
} from '../../../packages/server/test/harness.ts';
import { NoteStore } from '../src/notes.ts';
import { type NotesStack, startNotesStack } from './stack.ts';

let stack: NotesStack;
let h: Harness;
let notesApp: FastifyInstance;
let notes: NoteStore;
const pw = strongPassword();

beforeAll(async () => {
  notes = new NoteStore();
  stack = await startNotesStack({
    harness: { loginLimitPerAccountAndIp: 1000, loginLimitPerAccount: 1000 },
    notes,
    guardOptions: () => ({ cacheTtlMs: 200 }),
  });
  ({ h, notesApp } = stack);
  await h.gatehouse.accounts.upsertRole({ name: 'reader', permissions: ['notes:read'] });
  await h.gatehouse.accounts.upsertRole({ name: 'moderator', permissions: ['notes:*'] });
  await createUser(h, 'reader@example.test', pw, ['reader']);
  await createUser(h, 'moderator@example.test', pw, ['moderator']);
});
afterAll(async () => {
  await stack?.close();
});

const del = (id: string, cookie?: string) =>
  notesApp.inject({ method: 'DELETE', url: `/notes/${id}`, headers: cookie === undefined ? {} : { cookie } });

describe('the guide’s notes service behind the guard', () => {
  it('DELETE /notes/:id answers 401 without a session, 403 without notes:delete, 204 with it', async () => {
    const note = notes.add({ ownerId: 'x', title: 't', body: 'b' });
    const anonymous = await del(note.id);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-type']).toContain('application/problem+json');
    const reader = await login(h.app, 'reader@example.test', pw);
    const forbidden = await del(note.id, reader.cookie);
    expect(forbidden.statusCode).toBe(403);
    expect(notes.get(note.id)).toBeDefined();
    expect(
      (await notesApp.inject({ method: 'GET', url: '/notes', headers: { cookie: reader.cookie } }))
        .statusCode,
    ).toBe(200);
    const moderator = await login(h.app, 'moderator@example.test', pw);
    expect((await del(note.id, moderator.cookie)).statusCode).toBe(204);
    expect(notes.get(note.id)).toBeUndefined();
    expect((await del(note.id, moderator.cookie)).statusCode).toBe(404);
  });

  it('a forged or logged-out session is refused; a granted permission takes effect after the short cache', async () => {
    expect((await del('1', `__Host-gatehouse_session=${'A'.repeat(43)}`)).statusCode).toBe(401);
    const reader = await login(h.app, 'reader@example.test', pw);
    const note = notes.add({ ownerId: 'x', title: 't', body: 'b' });
    expect((await del(note.id, reader.cookie)).statusCode).toBe(403);
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const readerId = (await h.gatehouse.accounts.findUser('reader@example.test'))!.id;
    await h.app.inject({
      method: 'POST',
      url: `/admin/v1/users/${readerId}/roles`,
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      payload: { role: 'moderator' },
    });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await del(note.id, reader.cookie)).statusCode).toBe(204);
    await h.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { cookie: reader.cookie, 'x-csrf-token': reader.csrf },
    });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(
      (await notesApp.inject({ method: 'GET', url: '/notes', headers: { cookie: reader.cookie } }))
        .statusCode,
    ).toBe(401);
  });

  it('cookie-authenticated cross-site writes are refused by the guard', async () => {
    const moderator = await login(h.app, 'moderator@example.test', pw);
    const note = notes.add({ ownerId: 'x', title: 't', body: 'b' });
    const crossSite = await notesApp.inject({
      method: 'DELETE',
      url: `/notes/${note.id}`,
      headers: { cookie: moderator.cookie, origin: 'https://evil.test', 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.statusCode).toBe(403);
    expect(notes.get(note.id)).toBeDefined();
  });

  it('the introspection endpoint itself requires the resource-server secret', async () => {
    const moderator = await login(h.app, 'moderator@example.test', pw);
    for (const authorization of [undefined, 'Bearer wrong', `Basic ${h.config.introspectionSecret}`]) {
      const response = await h.app.inject({
        method: 'POST',
        url: '/session/introspect',
        headers: authorization === undefined ? {} : { authorization },
        payload: { token: moderator.token },
      });
      expect(response.statusCode).toBe(401);
      expect(response.body).not.toContain(moderator.token);
    }
  });
});
