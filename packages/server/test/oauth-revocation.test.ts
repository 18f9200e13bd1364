import { oauthRefreshIdHash, sha256Hex } from '@gatehouse/core';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createUser, login, strongPassword } from './harness.ts';
import {
  Browser,
  codeFlow,
  createClient,
  decodeJwt,
  NOTES_API,
  relyingParty,
  startOAuthServer,
} from './oauth-helpers.ts';

/** RT-08 and item 7 of the issue: everything that ends a user's standing ends what they delegated. */
let h: Awaited<ReturnType<typeof startOAuthServer>>;

beforeAll(async () => {
  h = await startOAuthServer();
});
afterAll(async () => {
  await h?.close();
});

async function delegated(options: { offline?: boolean } = {}) {
  const email = `user-${Math.random().toString(36).slice(2)}@example.test`;
  const password = strongPassword();
  const user = await createUser(h, email, password);
  const rp = await relyingParty(h, await createClient(h));
  const browser = new Browser(h.issuer);
  const offline = options.offline ?? true;
  const { tokens } = await codeFlow(rp, browser, {
    scope: offline ? 'openid offline_access notes:read' : 'notes:read',
    resource: NOTES_API,
    credentials: { email, password },
    ...(offline ? { extra: { prompt: 'consent' } } : {}),
  });
  if (tokens?.refresh_token === undefined) throw new Error('no refresh token');
  const sid = String(decodeJwt(tokens.access_token).payload.sid);
  return { user, rp, browser, tokens, sid, refreshToken: tokens.refresh_token };
}

const refreshFails = async (rp: Awaited<ReturnType<typeof relyingParty>>, token: string) =>
  expect(oidc.refreshTokenGrant(rp.config, token)).rejects.toMatchObject({ error: 'invalid_grant' });

describe('revocation joins up (RT-08)', () => {
  it('consent withdrawn from "connected applications" ends the grant and its tokens', async () => {
    const { user, rp, browser, refreshToken, sid } = await delegated();
    const page = await browser.navigate('/account/applications', { headers: { accept: 'text/html' } });
    const html = await page.response.text();
    expect(html).toContain('Notes web');
    const action = /action="(\/account\/applications\/[^"]+\/revoke)"/.exec(html)?.[1] ?? '';
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const after = await browser.submit(action, { csrf });
    expect(after.url).toBe(`${h.issuer}/account/applications`);
    const reloaded = await browser.navigate('/account/applications', { headers: { accept: 'text/html' } });
    expect(await reloaded.response.text()).toContain('No application is connected');
    await refreshFails(rp, refreshToken);
    expect(h.gatehouse.revocations.isRevoked({ sid })).toBe(true);
    expect(await h.gatehouse.oauth.connectedApplications(user.id)).toEqual([]);
  });

  it('another user cannot disconnect my application', async () => {
    const mine = await delegated();
    const grantId = (await h.gatehouse.oauth.connectedApplications(mine.user.id))[0]?.grantId ?? '';
    const other = await createUser(h, `other-${Date.now()}@example.test`, strongPassword());
    expect(await h.gatehouse.oauth.revokeGrant(other.id, grantId)).toBe(false);
    expect((await oidc.refreshTokenGrant(mine.rp.config, mine.refreshToken)).access_token).toBeTypeOf(
      'string',
    );
  });

  it('disabling the user ends every grant', async () => {
    const { user, rp, refreshToken, sid } = await delegated();
    await h.gatehouse.accounts.setDisabled(user.id, true);
    await refreshFails(rp, refreshToken);
    expect(h.gatehouse.revocations.isRevoked({ sid })).toBe(true);
  });

  it('a password change ends every grant', async () => {
    const { user, rp, refreshToken, sid } = await delegated();
    await h.gatehouse.accounts.setPassword(user.id, strongPassword());
    await refreshFails(rp, refreshToken);
    expect(h.gatehouse.revocations.isRevoked({ sid })).toBe(true);
  });

  it("an administrator can list and end a user's grants", async () => {
    const { user, rp, refreshToken, sid } = await delegated();
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const listed = await h.app.inject({
      method: 'GET',
      url: `/admin/v1/users/${user.id}/oauth-grants`,
      headers: { cookie: admin.cookie },
    });
    expect(listed.json<{ grants: { client_name: string }[] }>().grants.map((g) => g.client_name)).toEqual([
      'Notes web',
    ]);
    const ended = await h.app.inject({
      method: 'DELETE',
      url: `/admin/v1/users/${user.id}/oauth-grants`,
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    });
    expect(ended.json()).toEqual({ revoked: 1 });
    await refreshFails(rp, refreshToken);
    expect(h.gatehouse.revocations.isRevoked({ sid })).toBe(true);
  });

  it('logout ends the tokens bound to the session (all but offline_access)', async () => {
    const online = await delegated({ offline: false });
    const offline = await delegated({ offline: true });
    for (const who of [online, offline]) {
      const token = who.browser.cookies.get('__Host-gatehouse_session') ?? '';
      const active = await h.gatehouse.sessions.resolve(token);
      await h.gatehouse.sessions.end(active?.record.idHash ?? '');
    }
    await refreshFails(online.rp, online.refreshToken);
    // offline_access is the user's consent to outlive the session.
    expect((await oidc.refreshTokenGrant(offline.rp.config, offline.refreshToken)).access_token).toBeTypeOf(
      'string',
    );
  });

  it('signing a user out ends their OAuth refresh tokens through the one store (all but offline_access)', async () => {
    const email = `user-${Math.random().toString(36).slice(2)}@example.test`;
    const password = strongPassword();
    const user = await createUser(h, email, password);
    const delegate = async (offline: boolean) => {
      const rp = await relyingParty(h, await createClient(h));
      const browser = new Browser(h.issuer);
      const { tokens } = await codeFlow(rp, browser, {
        scope: offline ? 'openid offline_access notes:read' : 'notes:read',
        resource: NOTES_API,
        credentials: { email, password },
        ...(offline ? { extra: { prompt: 'consent' } } : {}),
      });
      return { rp, browser, refreshToken: tokens?.refresh_token ?? '' };
    };
    const online = await delegate(false);
    const offline = await delegate(true);
    // A first-party token family of the same user, in the same store.
    const session = await h.gatehouse.sessions.resolve(
      online.browser.cookies.get('__Host-gatehouse_session') ?? '',
    );
    const firstParty = await h.gatehouse.tokens.issue(session!.record, 'gatehouse', '', {
      ip: '127.0.0.1',
      requestId: 'test',
    });
    const store = h.gatehouse.storage.refreshTokens;
    const stored = async (idHash: string) => (await store.find(idHash))?.revokedAt ?? null;

    await h.gatehouse.sessions.endAll(user.id);

    expect(await stored(sha256Hex(firstParty.refresh_token))).not.toBeNull();
    expect(await stored(oauthRefreshIdHash(online.refreshToken))).not.toBeNull();
    expect(await stored(oauthRefreshIdHash(offline.refreshToken))).toBeNull();
    await refreshFails(online.rp, online.refreshToken);
    // offline_access is the user's consent to outlive their sessions.
    expect((await oidc.refreshTokenGrant(offline.rp.config, offline.refreshToken)).access_token).toBeTypeOf(
      'string',
    );
  });

  it('one store, two kinds: a refresh token is unknown where the other kind is expected', async () => {
    const { rp, browser, refreshToken } = await delegated();
    const meta = { ip: '127.0.0.1', requestId: 'test' };
    const session = await h.gatehouse.sessions.resolve(browser.cookies.get('__Host-gatehouse_session') ?? '');
    const firstParty = await h.gatehouse.tokens.issue(session!.record, rp.clientId, '', meta);
    await expect(h.gatehouse.tokens.refresh(refreshToken, rp.clientId, meta)).rejects.toMatchObject({
      code: 'invalid_grant',
    });
    await refreshFails(rp, firstParty.refresh_token);
    // Neither was consumed by the other side's attempt.
    expect((await oidc.refreshTokenGrant(rp.config, refreshToken)).access_token).toBeTypeOf('string');
    expect(
      (await h.gatehouse.tokens.refresh(firstParty.refresh_token, rp.clientId, meta)).access_token,
    ).toBeTypeOf('string');
  });
});
