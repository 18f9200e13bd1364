import { assembleApiKey, newApiKey } from '@gatehouse/core';
import type { Guard } from '@gatehouse/guard';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  type Harness,
  type LoggedIn,
  login,
} from '../../../packages/server/test/harness.ts';
import { NoteStore } from '../src/notes.ts';
import { type NotesStack, startNotesStack } from './stack.ts';

/** The notes service accepting API keys through the guard, against a real Gatehouse over HTTP. */
let stack: NotesStack;
let h: Harness;
let guard: Guard;
let notesApp: FastifyInstance;
let notes: NoteStore;
let admin: LoggedIn;

beforeAll(async () => {
  notes = new NoteStore();
  stack = await startNotesStack({
    harness: { apiKeyRateLimit: 100_000 },
    notes,
    guardOptions: () => ({ apiKeys: true, apiKeyFailuresPerMinute: 30 }),
  });
  ({ h, guard, notesApp } = stack);
  await h.gatehouse.accounts.upsertRole({ name: 'writer', permissions: ['notes:read', 'notes:write'] });
  await h.gatehouse.accounts.upsertRole({ name: 'moderator', permissions: ['notes:*'] });
  admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
});
afterAll(async () => {
  await stack?.close();
});

const admin$ = (method: string, url: string, payload?: object) =>
  h.app.inject({
    method: method as 'GET',
    url,
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    ...(payload === undefined ? {} : { payload }),
  });

let n = 0;
async function serviceKey(roles: string[], scopes: string[], extra: object = {}) {
  n += 1;
  const account = await admin$('POST', '/admin/v1/service-accounts', { name: `bot-${n}`, roles });
  const id = account.json().id as string;
  const created = await admin$('POST', `/admin/v1/users/${id}/api-keys`, { name: 'k', scopes, ...extra });
  expect(created.statusCode).toBe(201);
  return { accountId: id, key: created.json().key as string, keyId: created.json().id as string };
}

const call = (method: string, url: string, headers: Record<string, string>, remoteAddress = '127.0.0.1') =>
  notesApp.inject({ method: method as 'GET', url, headers, remoteAddress });

async function eventually(check: () => Promise<boolean>, ms = 1000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check()) return Date.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`not within ${ms} ms`);
}

function observable(response: LightMyRequestResponse) {
  const { date: _d, 'content-length': _l, ...headers } = response.headers;
  return { status: response.statusCode, headers, body: response.body };
}

describe('the notes service with API keys', () => {
  it('accepts a key as X-API-Key or Bearer, enforces scopes ∩ owner permissions, and caches positive answers', async () => {
    const { key } = await serviceKey(['moderator'], ['notes:read', 'notes:write']);
    expect((await call('GET', '/notes', { 'x-api-key': key })).statusCode).toBe(200);
    expect((await call('GET', '/notes', { authorization: `Bearer ${key}` })).statusCode).toBe(200);
    const note = notes.add({ ownerId: 'x', title: 't', body: 'b' });
    // The owner may delete, the key's scopes may not.
    expect((await call('DELETE', `/notes/${note.id}`, { 'x-api-key': key })).statusCode).toBe(403);
    expect(guard.status().cachedApiKeys).toBeGreaterThan(0);
    const introspections = () =>
      h.logs.filter((line) => line.includes('"path":"/api-keys/introspect"')).length;
    const before = introspections();
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++)
      expect((await call('GET', '/notes', { 'x-api-key': key })).statusCode).toBe(200);
    // No round trip to Gatehouse per cached request.
    expect(introspections()).toBe(before);
  });

  it('KEY-01 at the guard: unknown, wrong-secret, malformed and revoked keys get one identical 401', async () => {
    const { key, keyId } = await serviceKey(['writer'], ['notes:read']);
    const revoked = await serviceKey(['writer'], ['notes:read']);
    await admin$('DELETE', `/admin/v1/api-keys/${revoked.keyId}`);
    const candidates = [
      newApiKey().raw,
      assembleApiKey(keyId, 'y'.repeat(43)).raw,
      `${key.slice(0, -2)}!!`,
      revoked.key,
    ];
    const answers = [];
    for (const candidate of candidates) {
      const response = await call('GET', '/notes', { authorization: `Bearer ${candidate}` }, '192.0.2.10');
      expect(response.statusCode).toBe(401);
      answers.push(observable(response));
    }
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]?.headers['www-authenticate']).toContain('error="invalid_token"');
    const none = await call('GET', '/notes', {});
    expect(none.statusCode).toBe(401);
    // A key in the query string is not a credential.
    expect((await call('GET', `/notes?api_key=${key}`, {})).statusCode).toBe(401);
  });

  it('KEY-04: a revoked key is refused by the guard within 1 s (revocation feed), cache notwithstanding', async () => {
    const { key, keyId } = await serviceKey(['writer'], ['notes:read']);
    expect((await call('GET', '/notes', { 'x-api-key': key })).statusCode).toBe(200);
    await admin$('DELETE', `/admin/v1/api-keys/${keyId}`);
    const ms = await eventually(
      async () => (await call('GET', '/notes', { 'x-api-key': key })).statusCode === 401,
    );
    expect(ms).toBeLessThan(1000);
  });

  it('KEY-05: a shrinking owner, a disabled owner and a deleted service account reach the guard within 1 s', async () => {
    const { key, accountId } = await serviceKey(['writer'], ['notes:*']);
    const post = () =>
      notesApp.inject({
        method: 'POST',
        url: '/notes',
        headers: { 'x-api-key': key },
        payload: { title: 't', body: 'b' },
      });
    expect((await post()).statusCode).toBe(201);
    await admin$('DELETE', `/admin/v1/users/${accountId}/roles/writer`);
    expect(await eventually(async () => (await post()).statusCode === 403)).toBeLessThan(1000);
    await admin$('POST', `/admin/v1/users/${accountId}/roles`, { role: 'writer' });
    expect(await eventually(async () => (await post()).statusCode === 201)).toBeLessThan(1000);
    await admin$('POST', `/admin/v1/service-accounts/${accountId}/disable`);
    expect(await eventually(async () => (await post()).statusCode === 401)).toBeLessThan(1000);
    await admin$('POST', `/admin/v1/service-accounts/${accountId}/enable`);
    expect(await eventually(async () => (await post()).statusCode === 201)).toBeLessThan(1000);
    await admin$('DELETE', `/admin/v1/service-accounts/${accountId}`);
    expect(await eventually(async () => (await post()).statusCode === 401)).toBeLessThan(1000);
  });

  it('rate limits per key at the guard (429 with Retry-After and RateLimit fields)', async () => {
    const { key } = await serviceKey(['writer'], ['notes:read'], {
      rate_limit: { limit: 2, window_seconds: 30 },
    });
    const statuses = [];
    let last: LightMyRequestResponse | undefined;
    for (let i = 0; i < 3; i++) {
      last = await call('GET', '/notes', { 'x-api-key': key });
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last?.headers['retry-after']).toBe('15');
    expect(last?.headers['ratelimit-policy']).toBe('"api-key";q=2;w=30');
  });

  it('RL-06 at the guard: guessing from one address engages 429; nothing succeeds', async () => {
    const statuses = [];
    for (let i = 0; i < 60; i++) {
      statuses.push(
        (await call('GET', '/notes', { 'x-api-key': newApiKey().raw }, '198.51.100.77')).statusCode,
      );
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(0);
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
  });

  it('network allowlists hold at the guard too', async () => {
    const { key } = await serviceKey(['writer'], ['notes:read'], { allowed_cidrs: ['203.0.113.0/24'] });
    expect((await call('GET', '/notes', { 'x-api-key': key }, '203.0.113.9')).statusCode).toBe(200);
    expect((await call('GET', '/notes', { 'x-api-key': key }, '192.0.2.200')).statusCode).toBe(401);
  });
});
