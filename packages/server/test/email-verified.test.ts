import { RecordingMailQueue } from '@gatehouse/testkit';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, asSession, createUser, login, strongPassword } from './harness.ts';
import { linkToken } from './mail-links.ts';
import {
  Browser,
  codeFlow,
  createClient,
  decodeJwt,
  relyingParty,
  startOAuthServer,
} from './oauth-helpers.ts';

/**
 * `email_verified` where others read it: the OpenID Connect claims (OIDC-05: a boolean, true only
 * once the owner used a link sent to the address) and the subject attribute policies test in CEL.
 */
describe('email_verified reaches ID tokens, userinfo and policies', () => {
  let h: Awaited<ReturnType<typeof startOAuthServer>>;
  const mail = new RecordingMailQueue();
  let email: string;
  let password: string;
  let userId: string;

  beforeAll(async () => {
    h = await startOAuthServer({ registration: 'open' }, { mail });
    email = 'claims@example.test';
    password = strongPassword();
    userId = (await createUser(h, email, password)).id;
  });
  afterAll(() => h?.close());

  const verify = async () => {
    await h.gatehouse.accountFlows.verification.resend(email, { ip: '127.0.0.1', requestId: 'test' });
    await h.gatehouse.accountFlows.idle();
    const response = await h.app.inject({
      method: 'POST',
      url: '/verify-email',
      payload: { token: linkToken(mail, email, 'verify-email') },
    });
    expect(response.statusCode).toBe(200);
  };

  it('OIDC-05: userinfo and the ID token say false, then true once the address is verified', async () => {
    const rp = await relyingParty(h, await createClient(h));
    const first = await codeFlow(rp, new Browser(h.issuer), { credentials: { email, password } });
    const sub = first.tokens?.claims()?.sub ?? '';
    const before = await oidc.fetchUserInfo(rp.config, first.tokens?.access_token ?? '', sub);
    expect(before).toMatchObject({ sub: userId, email, email_verified: false });
    await verify();
    // Claims are read from the account at each request: the same access token now says true.
    const after = await oidc.fetchUserInfo(rp.config, first.tokens?.access_token ?? '', sub);
    expect(after.email_verified).toBe(true);
    const second = await codeFlow(rp, new Browser(h.issuer), {
      credentials: { email, password },
      scope: 'openid email',
      extra: { claims: JSON.stringify({ id_token: { email_verified: { essential: true } } }) },
    });
    expect(decodeJwt(second.tokens?.id_token ?? '').payload.email_verified).toBe(true);
  });

  it('policies can require it: subject.properties.email_verified comes from Gatehouse, not the caller', async () => {
    await h.gatehouse.accounts.upsertRole({ name: 'analyst', permissions: ['reports:list'] });
    await h.gatehouse.accounts.grantRole(userId, 'analyst');
    const other = await createUser(h, 'unverified.analyst@example.test', strongPassword(), ['analyst']);
    const admin = await login(h.app, ADMIN_EMAIL, ADMIN_PASSWORD);
    const source = `version: 1
resources:
  reports:
    actions: [read, list]
roles:
  - name: analyst
    permissions: [reports:list]
rules:
  - id: verified-analysts-read
    effect: allow
    roles: [analyst]
    resource: reports
    actions: [read]
    condition: subject.properties.email_verified == true
`;
    const put = await asSession(h.app, admin, 'PUT', '/admin/v1/policies/reports', { source });
    expect(put.statusCode).toBe(201);
    const ask = async (id: string, claimed?: boolean) =>
      (
        await h.app.inject({
          method: 'POST',
          url: '/access/v1/evaluation',
          headers: { authorization: `Bearer ${h.config.introspectionSecret}` },
          payload: {
            subject: {
              type: 'user',
              id,
              ...(claimed === undefined ? {} : { properties: { email_verified: claimed } }),
            },
            resource: { type: 'reports', id: 'r1' },
            action: { name: 'read' },
          },
        })
      ).json().decision as boolean;
    expect(await ask(userId)).toBe(true);
    expect(await ask(other.id)).toBe(false);
    // A caller claiming the attribute for an unverified subject does not make it so.
    expect(await ask(other.id, true)).toBe(false);
    expect(await ask(userId, false)).toBe(true);
  });
});
