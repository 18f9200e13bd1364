import { fileURLToPath } from 'node:url';
import { createGuard, type Guard, GuardError } from '@gatehouse/guard';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, login, SESSION_COOKIE, strongPassword } from './harness.ts';
import { createClient, NOTES_API, relyingParty, startOAuthServer } from './oauth-helpers.ts';

/**
 * Issue 15 #2 and #3: every principal kind — a person (session), a service account (API key) and
 * an OAuth client acting for itself (client-credentials token) — is decided the same way by both
 * decision points: Gatehouse's stored roles alone, and policy documents on top of them. A route
 * checked against the caller's permissions (GET /notes) and one decided with the resource (DELETE
 * /notes/:id) are asked, as the notes example's guard asks them.
 */
const policyDir = fileURLToPath(new URL('../../../examples/policies', import.meta.url));

type Server = Awaited<ReturnType<typeof startOAuthServer>>;
interface Callers {
  /** Holds a stored role with notes:read and notes:delete. */
  allowed: Record<string, string>;
  /** Holds notes:read only. */
  reader: Record<string, string>;
}
interface Setup {
  h: Server;
  guard: Guard;
  kinds: Record<'user' | 'service' | 'client', Callers>;
}

const modes = [
  ['RBAC only', {}],
  ['policy documents', { policyDir }],
] as const;
const setups = new Map<string, Setup>();

async function setUp(overrides: Record<string, unknown>): Promise<Setup> {
  const h = await startOAuthServer({
    loginLimitPerAccountAndIp: 1000,
    loginLimitPerAccount: 1000,
    ...overrides,
  });
  const guard = createGuard({
    issuer: h.issuer,
    audience: NOTES_API,
    algorithms: ['ES256'],
    gatehouseUrl: h.issuer,
    introspectionSecret: h.config.introspectionSecret,
    apiKeys: true,
  });
  await guard.ready();
  // Not a role the policy documents define: its permissions apply as stored permissions.
  await h.gatehouse.accounts.upsertRole({
    name: 'note-remover',
    permissions: ['notes:read', 'notes:delete'],
  });
  await h.gatehouse.accounts.upsertRole({ name: 'note-viewer', permissions: ['notes:read'] });

  const person = async (role: string) => {
    const email = `${role}-${Math.random().toString(36).slice(2)}@example.test`;
    const pw = strongPassword();
    await createUser(h, email, pw, [role]);
    return { cookie: `${SESSION_COOKIE}=${(await login(h.app, email, pw)).token}` };
  };
  const service = async (role: string) => {
    const account = await h.gatehouse.serviceAccounts.create(
      { name: `svc-${role}-${Math.random().toString(36).slice(2, 8)}`, roles: [role] },
      undefined,
    );
    const { key } = await h.gatehouse.apiKeys.create(
      account.id,
      { name: 'cron', scopes: ['notes:read', 'notes:delete'] },
      undefined,
    );
    return { 'x-api-key': key };
  };
  const client = async (scopes: string[]) => {
    const rp = await relyingParty(h, await createClient(h, { scopes, grantTypes: ['client_credentials'] }));
    const tokens = await oidc.clientCredentialsGrant(rp.config, {
      scope: scopes.join(' '),
      resource: NOTES_API,
    });
    return { authorization: `Bearer ${tokens.access_token}` };
  };
  return {
    h,
    guard,
    kinds: {
      user: { allowed: await person('note-remover'), reader: await person('note-viewer') },
      service: { allowed: await service('note-remover'), reader: await service('note-viewer') },
      client: {
        allowed: await client(['notes:read', 'notes:delete']),
        reader: await client(['notes:read']),
      },
    },
  };
}

beforeAll(async () => {
  for (const [name, overrides] of modes) setups.set(name, await setUp(overrides));
}, 120_000);
afterAll(async () => {
  for (const { guard, h } of setups.values()) {
    await guard.close();
    await h.close();
  }
});

const request = (headers: Record<string, string>, method = 'GET') =>
  new Request(`${NOTES_API}/notes/n-1`, { method, headers });
const note = { id: 'n-1', properties: { ownerID: 'someone-else', archived: false } };

async function outcome(promise: Promise<unknown>): Promise<number | string> {
  try {
    await promise;
    return 'allowed';
  } catch (error) {
    if (error instanceof GuardError) return `${error.status} ${error.code}`;
    throw error;
  }
}

describe.each(modes)('issue 15 #2: every principal kind under %s', (mode) => {
  it.each(['user', 'service', 'client'] as const)(
    '%s: allowed with the permission, 403 without',
    async (kind) => {
      const { guard, kinds } = setups.get(mode)!;
      const { allowed, reader } = kinds[kind];
      const remove = (headers: Record<string, string>) =>
        outcome(guard.check(request(headers, 'DELETE'), { permission: 'notes:delete', resource: note }));
      expect(await remove(allowed)).toBe('allowed');
      expect(await remove(reader)).toBe(kind === 'client' ? '403 insufficient_scope' : '403 forbidden');
    },
  );

  it.each(['user', 'service', 'client'] as const)(
    '%s: a permission route (GET /notes) lets the reader in',
    async (kind) => {
      const { guard, kinds } = setups.get(mode)!;
      expect(await outcome(guard.check(request(kinds[kind].reader), { permission: 'notes:read' }))).toBe(
        'allowed',
      );
    },
  );

  it('the decision point itself answers alike for the same subject of each kind', async () => {
    const { h } = setups.get(mode)!;
    const account = await h.gatehouse.serviceAccounts.create(
      { name: `svc-pdp-${Math.random().toString(36).slice(2, 8)}`, roles: ['note-remover'] },
      undefined,
    );
    const issued = await createClient(h, { scopes: ['notes:delete'], grantTypes: ['client_credentials'] });
    const ask = (type: string, id: string) =>
      h.gatehouse.pdp.evaluate({
        subject: { type, id },
        resource: { type: 'notes', ...note },
        action: { name: 'delete' },
      });
    expect((await ask('service', account.id)).decision).toBe(true);
    expect((await ask('client', issued.client.clientId)).decision).toBe(true);
    // A kind is never taken for another: a service account is not a user, a client id not a user.
    expect((await ask('user', account.id)).decision).toBe(false);
    expect((await ask('user', issued.client.clientId)).decision).toBe(false);
    // A disabled service account is denied.
    await h.gatehouse.serviceAccounts.setDisabled(account.id, true, undefined);
    expect((await ask('service', account.id)).decision).toBe(false);
  });
});

describe('issue 15 #3: a client-credentials token at the guard', () => {
  it('with the right audience and scope is accepted; without the scope it is 403 insufficient_scope, never 401', async () => {
    const { guard, kinds } = setups.get('RBAC only')!;
    const reader = kinds.client.reader;
    const auth = await guard.check(request(reader), { permission: 'notes:read' });
    expect(auth.principal.kind).toBe('client');
    const refused = await guard.check(request(reader), { permission: 'notes:write' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(GuardError);
    expect((refused as GuardError).status).toBe(403);
    expect((refused as GuardError).headers()['www-authenticate']).toMatch(
      /^Bearer .*error="insufficient_scope".*scope="notes:write"/,
    );
  });
});
