import { ManualClock } from '@gatehouse/core';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { json, runCli } from './cli-runner.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, login } from './harness.ts';
import { createClient, NOTES_API, relyingParty, startOAuthServer } from './oauth-helpers.ts';
import { withRawDatabase } from './raw-database.ts';

const HOUR_MS = 3_600_000;
let h: Awaited<ReturnType<typeof startOAuthServer>>;
let admin: Awaited<ReturnType<typeof login>>;
const clock = new ManualClock(Date.now());

beforeAll(async () => {
  h = await startOAuthServer({}, { clock });
});
// The fake clock moves past the session's idle timeout: a fresh admin session for each test.
beforeEach(async () => {
  admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
});
afterAll(async () => {
  await h?.close();
});

const adminCall = (method: 'POST' | 'DELETE' | 'GET', url: string, payload?: unknown) =>
  h.app.inject({
    method,
    url,
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });

/** A real token request (openid-client, client credentials over HTTP): 'ok' or the OAuth error. */
async function tokenWith(clientId: string, secret: string): Promise<string> {
  const client = await h.gatehouse.oauth.registry.get(clientId);
  if (client === undefined) throw new Error('no such client');
  const rp = await relyingParty(h, { client, secret });
  try {
    await oidc.clientCredentialsGrant(rp.config, { scope: 'notes:read', resource: NOTES_API });
    return 'ok';
  } catch (error) {
    // A 401 comes as a WWW-Authenticate challenge carrying the error.
    const failure = error as { error?: string; cause?: { parameters?: { error?: string } }[] };
    return failure.error ?? failure.cause?.[0]?.parameters?.error ?? String(error);
  }
}

describe('issue 25 #4: OAuth client secret rotation with an overlap', () => {
  it('issue 25 #4: both secrets work within the overlap, the old one is refused after it (fake clock)', async () => {
    const issued = await createClient(h, { name: 'Overlap worker' });
    const id = issued.client.clientId;
    const old = issued.secret ?? '';
    const rotated = await adminCall('POST', `/admin/v1/clients/${id}/rotate-secret`, {
      overlap_seconds: 3600,
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
    const body = rotated.json<{ client_secret: string; previous_secret_expires_at: string }>();
    expect(body.previous_secret_expires_at).toBe(new Date(clock.now() + HOUR_MS).toISOString());
    const fresh = body.client_secret;
    expect(fresh).not.toBe(old);
    expect(await tokenWith(id, old)).toBe('ok');
    expect(await tokenWith(id, fresh)).toBe('ok');
    expect(await tokenWith(id, 'ghs_wrong')).toBe('invalid_client');
    // The listing says a previous secret is pending, and until when; never a secret or a hash.
    const listed = await adminCall('GET', `/admin/v1/clients/${id}`);
    expect(listed.json()).toMatchObject({ previous_secret_expires_at: body.previous_secret_expires_at });
    const row = await withRawDatabase(h, (db) =>
      db.selectFrom('oauth_clients').selectAll().where('client_id', '=', id).executeTakeFirstOrThrow(),
    );
    expect(listed.body).not.toContain(String(row.previous_secret_hash));
    expect(listed.body).not.toContain(old);

    clock.advance(HOUR_MS - 1000);
    expect(await tokenWith(id, old)).toBe('ok');
    clock.advance(1000);
    expect(await tokenWith(id, old)).toBe('invalid_client');
    expect(await tokenWith(id, fresh)).toBe('ok');
    expect((await adminCall('GET', `/admin/v1/clients/${id}`)).json()).not.toHaveProperty(
      'previous_secret_expires_at',
    );
  });

  it('issue 25 #4: an early revocation ends the overlap now; one previous secret at a time', async () => {
    const issued = await createClient(h, { name: 'Leaky worker' });
    const id = issued.client.clientId;
    const old = issued.secret ?? '';
    const fresh = (
      await adminCall('POST', `/admin/v1/clients/${id}/rotate-secret`, { overlap_seconds: 86_400 })
    ).json<{
      client_secret: string;
    }>().client_secret;
    expect(await tokenWith(id, old)).toBe('ok');
    // A second overlap would silently drop the first previous secret: refused.
    const again = await adminCall('POST', `/admin/v1/clients/${id}/rotate-secret`, { overlap_seconds: 60 });
    expect(again.statusCode).toBe(409);
    const tooLong = await adminCall('POST', `/admin/v1/clients/${id}/rotate-secret`, {
      overlap_seconds: 31 * 86_400,
    });
    expect(tooLong.statusCode).toBe(400);

    const revoked = await adminCall('DELETE', `/admin/v1/clients/${id}/previous-secret`);
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json()).not.toHaveProperty('previous_secret_expires_at');
    expect(await tokenWith(id, old)).toBe('invalid_client');
    expect(await tokenWith(id, fresh)).toBe('ok');
    expect((await adminCall('DELETE', `/admin/v1/clients/${id}/previous-secret`)).statusCode).toBe(409);
    const events = await h.gatehouse.storage.audit.list({ limit: 20, subjectId: id });
    expect(events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['oauth.client.secret_rotated', 'oauth.client.previous_secret_revoked']),
    );

    // Without an overlap the old secret stops at once (the default, as before overlaps existed).
    const bare = await adminCall('POST', `/admin/v1/clients/${id}/rotate-secret`);
    const newest = bare.json<{ client_secret: string }>().client_secret;
    expect(bare.json()).not.toHaveProperty('previous_secret_expires_at');
    expect(await tokenWith(id, fresh)).toBe('invalid_client');
    expect(await tokenWith(id, newest)).toBe('ok');
  });

  it('issue 25 #4: gatehouse clients rotate-secret --overlap 24h, then --revoke-previous', async () => {
    const issued = await createClient(h, { name: 'CLI worker' });
    const id = issued.client.clientId;
    const rotated = json<{ client_secret: string; previous_secret_expires_at: string }>(
      await runCli(h.dataDir, ['clients', 'rotate-secret', id, '--overlap', '24h', '--json']),
    );
    expect(rotated.client_secret).toMatch(/^ghs_/);
    // The CLI wrote beside the server: its client cache (1 s on its clock) lets the change in.
    clock.advance(1001);
    expect(Date.parse(rotated.previous_secret_expires_at) - Date.now()).toBeGreaterThan(23 * HOUR_MS);
    expect(await tokenWith(id, issued.secret ?? '')).toBe('ok');
    const listed = await runCli(h.dataDir, ['clients', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`${id}.*previous secret valid until`));
    json(await runCli(h.dataDir, ['clients', 'rotate-secret', id, '--revoke-previous', '--json']));
    clock.advance(1001);
    expect(await tokenWith(id, issued.secret ?? '')).toBe('invalid_client');
    expect(await tokenWith(id, rotated.client_secret)).toBe('ok');
    const bad = await runCli(h.dataDir, ['clients', 'rotate-secret', id, '--overlap', 'soon']);
    expect(bad.code).toBe(2);
  });
});
