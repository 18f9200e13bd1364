import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-runner.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, login } from './harness.ts';
import { basic, startOAuthServer } from './oauth-helpers.ts';
import { withRawDatabase } from './raw-database.ts';

let h: Awaited<ReturnType<typeof startOAuthServer>>;
let admin: Awaited<ReturnType<typeof login>>;

beforeAll(async () => {
  h = await startOAuthServer();
  admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
});
afterAll(async () => {
  await h?.close();
});

const create = (payload: Record<string, unknown>) =>
  h.app.inject({
    method: 'POST',
    url: '/admin/v1/clients',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    payload,
  });

const clientCredentials = (clientId: string, secret: string) =>
  fetch(`${h.issuer}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, secret) },
    body: 'grant_type=client_credentials',
  });

describe('admin API for OAuth clients', () => {
  it('shows the secret once, stores only its HMAC, rotates and deletes', async () => {
    const created = await create({
      name: 'Billing sync',
      type: 'confidential',
      grant_types: ['client_credentials'],
      scopes: ['billing:read'],
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const body = created.json<{ client_id: string; client_secret: string }>();
    expect(body.client_id).toMatch(/^c_/);
    expect(body.client_secret).toMatch(/^ghs_/);
    // Not in the listing, not in the table.
    const listed = await h.app.inject({
      method: 'GET',
      url: '/admin/v1/clients',
      headers: { cookie: admin.cookie },
    });
    expect(listed.body).toContain(body.client_id);
    expect(listed.body).not.toContain(body.client_secret);
    const row = await withRawDatabase(h, (db) =>
      db
        .selectFrom('oauth_clients')
        .selectAll()
        .where('client_id', '=', body.client_id)
        .executeTakeFirstOrThrow(),
    );
    expect(JSON.stringify(row)).not.toContain(body.client_secret);
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await clientCredentials(body.client_id, body.client_secret)).status).toBe(200);

    const rotated = await h.app.inject({
      method: 'POST',
      url: `/admin/v1/clients/${body.client_id}/rotate-secret`,
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const fresh = rotated.json<{ client_secret: string }>().client_secret;
    expect(fresh).not.toBe(body.client_secret);
    expect((await clientCredentials(body.client_id, body.client_secret)).status).toBe(401);
    expect((await clientCredentials(body.client_id, fresh)).status).toBe(200);

    const deleted = await h.app.inject({
      method: 'DELETE',
      url: `/admin/v1/clients/${body.client_id}`,
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    });
    expect(deleted.statusCode).toBe(204);
    expect((await clientCredentials(body.client_id, fresh)).status).toBe(401);
  });

  it('registers where a secret travels (token_endpoint_auth_method); a public client cannot choose', async () => {
    const created = await create({
      name: 'Form poster',
      type: 'confidential',
      grant_types: ['client_credentials'],
      scopes: ['billing:read'],
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(created.statusCode).toBe(201);
    const body = created.json<{
      client_id: string;
      client_secret: string;
      token_endpoint_auth_method: string;
    }>();
    expect(body.token_endpoint_auth_method).toBe('client_secret_post');
    const inBody = await fetch(`${h.issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: body.client_id,
        client_secret: body.client_secret,
      }),
    });
    expect(inBody.status).toBe(200);
    expect((await clientCredentials(body.client_id, body.client_secret)).status).toBe(401);
    const publicChoice = await create({
      name: 'Public poster',
      type: 'public',
      redirect_uris: ['http://127.0.0.1/cb'],
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(publicChoice.statusCode).toBe(400);
    expect(publicChoice.json().detail).toContain('secret');
    const unknown = await create({
      name: 'x',
      type: 'confidential',
      token_endpoint_auth_method: 'client_secret_jwt',
    });
    expect(unknown.statusCode).toBe(400);
  });

  it('needs clients:write', async () => {
    const anonymous = await h.app.inject({
      method: 'POST',
      url: '/admin/v1/clients',
      payload: { name: 'x', type: 'public' },
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('REDIR-04: refuses fragments, wildcards, http off loopback, script schemes; allows loopback for public clients', async () => {
    const refused = [
      'https://rp.test/cb#x',
      'http://rp.test/cb',
      'javascript:alert(1)',
      'data:text/html,hi',
      'file:///etc/passwd',
      'https://*.rp.test/cb',
      'https://user:pw@rp.test/cb',
      'cb',
    ];
    for (const uri of refused) {
      const response = await create({ name: 'Bad', type: 'public', redirect_uris: [uri] });
      expect(response.statusCode, uri).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
    // Loopback http: public (native) clients only.
    for (const uri of ['http://127.0.0.1/cb', 'http://[::1]/cb'])
      expect((await create({ name: 'Native', type: 'public', redirect_uris: [uri] })).statusCode, uri).toBe(
        201,
      );
    expect(
      (await create({ name: 'Web', type: 'confidential', redirect_uris: ['http://127.0.0.1/cb'] }))
        .statusCode,
    ).toBe(400);
    // Implicit and password grants do not exist here.
    for (const grant of ['implicit', 'password'])
      expect(
        (
          await create({
            name: 'Old',
            type: 'confidential',
            redirect_uris: ['https://rp.test/cb'],
            grant_types: [grant],
          })
        ).statusCode,
      ).toBe(400);
    // Public clients cannot use client credentials.
    expect(
      (await create({ name: 'P', type: 'public', grant_types: ['client_credentials'] })).statusCode,
    ).toBe(400);
  });
});

describe('gatehouse clients (CLI)', () => {
  const cli = (args: string[]) => runCli(h.dataDir, args);

  it('creates, lists, rotates and deletes', async () => {
    const created = await cli([
      'clients',
      'create',
      '--name',
      'Notes CLI',
      '--type',
      'public',
      '--grant',
      'urn:ietf:params:oauth:grant-type:device_code',
      'refresh_token',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const client = JSON.parse(created.stdout) as { client_id: string; client_secret?: string };
    expect(client.client_secret).toBeUndefined();
    const listed = await cli(['clients', 'list']);
    expect(listed.stdout).toContain(client.client_id);
    const rotate = await cli(['clients', 'rotate-secret', client.client_id]);
    expect(rotate.code).toBe(2);
    expect(rotate.stderr).toContain('Public clients have no secret');
    const deleted = await cli(['clients', 'delete', client.client_id, '--json']);
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: client.client_id });
    expect((await cli(['clients', 'delete', client.client_id])).code).toBe(3);
    // Five CLI processes, each compiling with tsx and opening the database: slow on a busy machine.
  }, 180_000);
});
