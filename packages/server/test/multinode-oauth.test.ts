import { createHash, randomBytes } from 'node:crypto';
import { createGuard, GuardError } from '@gatehouse/guard';
import { postgresUrlOrSkip, redisUrlOrSkip } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_ADMIN as ADMIN, type Cluster, startCluster } from './cluster.ts';

const postgresUrl = await postgresUrlOrSkip();
const redisUrl = await redisUrlOrSkip();
/** One public issuer in front of both nodes (a load balancer); the test routes each request. */
const ISSUER = 'http://gatehouse.test';
const REDIRECT = 'https://rp.test/cb';
const API = 'https://notes.example.test';

describe.skipIf(postgresUrl === undefined || redisUrl === undefined)(
  'OAuth across processes: two Gatehouse nodes on PostgreSQL + Redis',
  () => {
    let cluster: Cluster;
    let nodes: readonly string[] = [];
    let secret = '';

    beforeAll(async () => {
      cluster = await startCluster(postgresUrl!, redisUrl!, 2, {
        GATEHOUSE_ISSUER: ISSUER,
        GATEHOUSE_OAUTH_SHORT_LIVED_STORE: 'redis',
      });
      nodes = cluster.urls;
      secret = cluster.env.GATEHOUSE_INTROSPECTION_SECRET!;
    }, 90_000);

    afterAll(async () => {
      await cluster?.stop();
    });

    it('a flow hops between nodes; a refresh-token replay on one node reaches the other and its guards', async () => {
      const [a, b] = nodes as [string, string];
      const cookies = new Map<string, string>();
      let hop = 0;
      /** Every request goes to the next node, as a round-robin balancer would send it. */
      const send = async (url: string, init: RequestInit = {}) => {
        const node = nodes[hop++ % 2]!;
        const target = new URL(url, ISSUER);
        const headers = new Headers(init.headers);
        headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
        headers.set('sec-fetch-site', 'same-origin');
        const response = await fetch(`${node}${target.pathname}${target.search}`, {
          ...init,
          headers,
          redirect: 'manual',
        });
        for (const line of response.headers.getSetCookie()) {
          const pair = line.split(';')[0] ?? '';
          const eq = pair.indexOf('=');
          if (pair.slice(eq + 1) === '' || /max-age=0/i.test(line)) cookies.delete(pair.slice(0, eq));
          else cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
        }
        return response;
      };

      // An administrator registers the client on node A.
      const login = await fetch(`${a}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      const adminCookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
      const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
      const created = await fetch(`${a}/admin/v1/clients`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: adminCookie, 'x-csrf-token': csrf },
        body: JSON.stringify({
          name: 'Notes web',
          type: 'confidential',
          redirect_uris: [REDIRECT],
          scopes: ['openid', 'offline_access', 'notes:read'],
          resources: [API],
        }),
      });
      expect(created.status).toBe(201);
      const client = (await created.json()) as { client_id: string; client_secret: string };
      const basic = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;

      // The user's browser: authorization, login, consent, each request on the next node.
      const verifier = randomBytes(32).toString('base64url');
      const query = new URLSearchParams({
        client_id: client.client_id,
        response_type: 'code',
        redirect_uri: REDIRECT,
        scope: 'openid offline_access notes:read',
        resource: API,
        prompt: 'consent',
        state: 's1',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      });
      let response = await send(`/oauth/authorize?${query}`);
      let location = response.headers.get('location') ?? '';
      for (let steps = 0; steps < 12 && !location.startsWith(REDIRECT); steps++) {
        const path = new URL(location, ISSUER);
        if (path.pathname === '/login') {
          const page = await (await send(location)).text();
          const form = {
            email: ADMIN.email,
            password: ADMIN.password,
            csrf: /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '',
            return_to: path.searchParams.get('return_to') ?? '',
          };
          response = await send('/login', {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams(form).toString(),
          });
        } else if (path.pathname.startsWith('/oauth/interaction/')) {
          const page = await send(location);
          const body = await page.text();
          const action = /action="(\/oauth\/interaction\/[^"]+\/consent)"/.exec(body)?.[1];
          if (action === undefined) {
            response = page;
          } else {
            response = await send(action, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({
                csrf: /name="csrf" value="([^"]+)"/.exec(body)?.[1] ?? '',
                decision: 'allow',
              }).toString(),
            });
          }
        } else {
          response = await send(location);
        }
        location = response.headers.get('location') ?? '';
      }
      const code = new URL(location).searchParams.get('code');
      expect(code).toBeTruthy();

      // The code (issued by one node, kept in Redis) is redeemed on the other, once.
      const token = (node: string, fields: Record<string, string>) =>
        fetch(`${node}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
          body: new URLSearchParams(fields).toString(),
        });
      const exchange = {
        grant_type: 'authorization_code',
        code: code ?? '',
        redirect_uri: REDIRECT,
        code_verifier: verifier,
      };
      const first = await token(b, exchange);
      expect(first.status).toBe(200);
      const tokens = (await first.json()) as { access_token: string; refresh_token: string };

      // A guard fed by node B accepts the access token …
      const guard = createGuard({
        issuer: ISSUER,
        audience: API,
        jwksUri: `${b}/.well-known/jwks.json`,
        gatehouseUrl: b,
        introspectionSecret: secret,
      });
      try {
        const call = () =>
          guard.check(
            new Request(`${API}/notes`, { headers: { authorization: `Bearer ${tokens.access_token}` } }),
          );
        await expect
          .poll(
            async () =>
              await call().then(
                () => 'ok',
                () => 'refused',
              ),
            { timeout: 5000 },
          )
          .toBe('ok');

        // … rotation on A, a retry on B gets the same successor (the grace holds across nodes),
        // then reuse of the old refresh token on B once its successor was used revokes the grant …
        const rotated = await token(a, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
        expect(rotated.status).toBe(200);
        const { refresh_token: second } = (await rotated.json()) as { refresh_token: string };
        const retried = await token(b, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
        expect(((await retried.json()) as { refresh_token: string }).refresh_token).toBe(second);
        const onward = await token(a, { grant_type: 'refresh_token', refresh_token: second });
        const { refresh_token: third } = (await onward.json()) as { refresh_token: string };
        const reuse = await token(b, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
        expect(((await reuse.json()) as { error: string }).error).toBe('invalid_grant');
        expect((await token(a, { grant_type: 'refresh_token', refresh_token: third })).status).toBe(400);

        // … and the guard behind node B refuses the grant's access token within a second.
        const started = performance.now();
        await expect
          .poll(
            async () =>
              await call().then(
                () => 'ok',
                (e: unknown) => (e instanceof GuardError ? e.code : 'error'),
              ),
            {
              timeout: 1000,
              interval: 20,
            },
          )
          .toBe('invalid_token');
        expect(performance.now() - started).toBeLessThan(1000);
        // The code stays used on every node.
        expect((await token(a, exchange)).status).toBe(400);
      } finally {
        await guard.close();
      }
    });
  },
);
