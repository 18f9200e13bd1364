import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUser,
  type Harness,
  type LoggedIn,
  login,
  strongPassword,
} from '../../../packages/server/test/harness.ts';
import { NoteStore } from '../src/notes.ts';
import { type NotesStack, startNotesStack } from './stack.ts';

/**
 * Why RBAC alone breaks, end to end: Gatehouse runs examples/policies (authors change their own
 * notes, moderators delete any, archived notes are read-only for everyone) and the notes service's
 * guard asks its decision point with each note's owner and archived flag.
 */
const policyDir = fileURLToPath(new URL('../../policies', import.meta.url));
let stack: NotesStack;
let h: Harness;
let notesApp: FastifyInstance;
const notes = new NoteStore();
const pw = strongPassword();
let ann: LoggedIn;
let ben: LoggedIn;
let mod: LoggedIn;
let annId: string;

beforeAll(async () => {
  stack = await startNotesStack({
    harness: { policyDir, loginLimitPerAccountAndIp: 1000, loginLimitPerAccount: 1000 },
    notes,
    guardOptions: () => ({ cacheTtlMs: 200 }),
  });
  ({ h, notesApp } = stack);
  // Stored roles named like the policy's roles: the policy gives them their meaning.
  await h.gatehouse.accounts.upsertRole({ name: 'author', permissions: ['notes:read', 'notes:write'] });
  await h.gatehouse.accounts.upsertRole({ name: 'moderator', permissions: ['notes:read', 'notes:write'] });
  annId = (await createUser(h, 'ann@example.test', pw, ['author'])).id;
  await createUser(h, 'ben@example.test', pw, ['author']);
  await createUser(h, 'mod@example.test', pw, ['moderator']);
  ann = await login(h.app, 'ann@example.test', pw);
  ben = await login(h.app, 'ben@example.test', pw);
  mod = await login(h.app, 'mod@example.test', pw);
});
afterAll(async () => {
  await stack?.close();
});

const as = (who: LoggedIn, method: 'DELETE' | 'POST' | 'PATCH', url: string, payload?: object) =>
  notesApp.inject({ method, url, headers: { cookie: who.cookie }, ...(payload ? { payload } : {}) });

describe('notes decided by policy (examples/policies/notes.yaml)', () => {
  it('an author deletes their own note but not another author’s; the 403 says nothing internal', async () => {
    const created = await as(ann, 'POST', '/notes', { title: 'mine', body: '…' });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    expect(notes.get(id)?.ownerId).toBe(annId);
    const other = await as(ben, 'DELETE', `/notes/${id}`);
    expect(other.statusCode).toBe(403);
    expect(other.headers['content-type']).toContain('application/problem+json');
    expect(other.json()).toMatchObject({ title: 'Forbidden', status: 403 });
    expect(other.body).not.toMatch(/authors-edit-own-notes|policy|owner|role/i);
    expect((await as(ann, 'DELETE', `/notes/${id}`)).statusCode).toBe(204);
  });

  it('a moderator deletes anyone’s note', async () => {
    const id = (await as(ben, 'POST', '/notes', { title: 'ben', body: '…' })).json().id as string;
    expect((await as(mod, 'DELETE', `/notes/${id}`)).statusCode).toBe(204);
  });

  it('archived notes are read-only for everyone, moderators and owners included', async () => {
    const id = (await as(ann, 'POST', '/notes', { title: 'old', body: '…' })).json().id as string;
    expect((await as(ben, 'POST', `/notes/${id}/archive`)).statusCode).toBe(403);
    expect((await as(ann, 'POST', `/notes/${id}/archive`)).statusCode).toBe(200);
    expect((await as(ann, 'PATCH', `/notes/${id}`, { title: 'new' })).statusCode).toBe(403);
    expect((await as(ann, 'DELETE', `/notes/${id}`)).statusCode).toBe(403);
    expect((await as(mod, 'DELETE', `/notes/${id}`)).statusCode).toBe(403);
    expect(notes.get(id)?.title).toBe('old');
    const read = await notesApp.inject({ method: 'GET', url: '/notes', headers: { cookie: ben.cookie } });
    expect(read.json().notes.some((n: { id: string }) => n.id === id)).toBe(true);
  });

  it('a role removal applies to the next request', async () => {
    const id = (await as(ben, 'POST', '/notes', { title: 'ben2', body: '…' })).json().id as string;
    const modId = (await h.gatehouse.accounts.findUser('mod@example.test'))!.id;
    await h.gatehouse.accounts.revokeRole(modId, 'moderator');
    expect((await as(mod, 'DELETE', `/notes/${id}`)).statusCode).toBe(403);
    await h.gatehouse.accounts.grantRole(modId, 'moderator');
    expect((await as(mod, 'DELETE', `/notes/${id}`)).statusCode).toBe(204);
  });

  it('a missing note: callers without the permission at all get 403, others 404', async () => {
    expect((await as(mod, 'DELETE', '/notes/999999')).statusCode).toBe(404);
    expect((await as(ben, 'DELETE', '/notes/999999')).statusCode).toBe(403);
  });
});
