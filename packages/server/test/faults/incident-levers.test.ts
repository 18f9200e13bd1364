/**
 * Issue 25 #1 and #3: the incident levers across two Gatehouse nodes on one PostgreSQL database and
 * Redis, and a notes-api (its own process) whose guard is fed by node B. Each lever is pulled on
 * node A; the test measures how long until its effect holds on A, on B and at the guard, and prints
 * the times (docs/operations.md quotes them). Assertions poll with a generous deadline: they prove
 * that nothing waits for token expiry or a 30 s key-ring reload, not how fast this machine is.
 */
import { postgresUrlOrSkip, redisUrlOrSkip } from '@gatehouse/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, runCli } from '../cli-runner.ts';
import { adminSession, CLUSTER_ADMIN, type Cluster, startCluster, startNotesApi } from '../cluster.ts';

const postgresUrl = await postgresUrlOrSkip();
const redisUrl = await redisUrlOrSkip();
const ISSUER = 'http://gatehouse.test';
const CATCH_UP_MS = Number(process.env.INCIDENT_CATCHUP_MS ?? 1000);
/** The documented bound: pub/sub in milliseconds, else one catch-up interval and a read. */
const BOUND_MS = CATCH_UP_MS + 1000;
const DEADLINE_MS = 5 * BOUND_MS;
const USER = { email: 'mallory-target@example.test', password: 'copper lantern drifts 9031' };

const kidOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string }).kid;
const iatOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { iat: number }).iat;

describe.skipIf(postgresUrl === undefined || redisUrl === undefined)('incident levers', () => {
  let cluster: Cluster;
  let notes: Awaited<ReturnType<typeof startNotesApi>>;
  let a: string;
  let b: string;

  beforeAll(async () => {
    cluster = await startCluster(postgresUrl!, redisUrl!, 2, {
      GATEHOUSE_ISSUER: ISSUER,
      GATEHOUSE_REVOCATION_CATCHUP_MS: String(CATCH_UP_MS),
      GATEHOUSE_LOGIN_LIMIT_ACCOUNT_IP: '1000',
      GATEHOUSE_LOGIN_LIMIT_ACCOUNT: '1000',
      GATEHOUSE_LOGIN_LIMIT_IP: '1000',
    });
    [a, b] = cluster.urls as [string, string];
    notes = await startNotesApi(cluster, b, ISSUER);
    const admin = await adminSession(a);
    const created = await fetch(`${a}/admin/v1/users`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ ...USER, roles: ['admin'] }),
    });
    expect(created.status).toBe(201);
  }, 90_000);

  afterAll(async () => {
    await notes?.stop();
    await cluster?.stop();
  });

  const status = async (url: string, headers: Record<string, string>) =>
    (await fetch(url, { headers, signal: AbortSignal.timeout(5000) }).catch(() => undefined))?.status ?? 0;

  const tokenLogin = async (node: string, who = CLUSTER_ADMIN) => {
    const response = await fetch(`${node}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...who, mode: 'token' }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  };

  const cookieLogin = async (node: string, who: typeof USER) => {
    const response = await fetch(`${node}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(who),
    });
    expect(response.status).toBe(200);
    const token = /__Host-gatehouse_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
    return { cookie: `__Host-gatehouse_session=${token}`, accept: 'application/json' };
  };

  /** Where a token must be accepted or refused: A and B (`GET /account`) and the guard. */
  const tokenChecks = (name: string, token: string): [string, () => Promise<number>][] => {
    const bearer = { authorization: `Bearer ${token}` };
    return [
      [`${name} on A`, () => status(`${a}/account`, bearer)],
      [`${name} on B`, () => status(`${b}/account`, bearer)],
      [`${name} at the guard`, () => status(`${notes.url}/notes`, bearer)],
    ];
  };

  /** Polls every check until it answers `expected`; returns the time each took from `since`. */
  const timeUntilAll = async (checks: [string, () => Promise<number>][], expected: number, since: number) => {
    const times: Record<string, number> = {};
    await Promise.all(
      checks.map(async ([name, check]) => {
        await expect.poll(check, { timeout: DEADLINE_MS, interval: 25, message: name }).toBe(expected);
        times[name] = Math.round(performance.now() - since);
      }),
    );
    return times;
  };

  const admin = async (
    node: string,
    method: string,
    path: string,
    body?: unknown,
    session?: { cookie: string; csrf: string },
  ) => {
    session ??= await adminSession(node);
    const response = await fetch(`${node}${path}`, {
      method,
      headers: {
        cookie: session.cookie,
        'x-csrf-token': session.csrf,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const jwksKids = async (node: string) => {
    const response = await fetch(`${node}/.well-known/jwks.json`);
    return ((await response.json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
  };

  it('issue 25 #1: a revoked signing key leaves the JWKS and its tokens are refused on A, B and the guard; the next key signs at once', async () => {
    const leaked = await tokenLogin(a);
    const kid = kidOf(leaked);
    const checks = tokenChecks('token of the revoked key', leaked);
    for (const [name, check] of checks)
      await expect.poll(check, { timeout: 10_000, message: name }).toBe(200);
    expect(await jwksKids(a)).toContain(kid);
    expect(await jwksKids(b)).toContain(kid);

    const operator = await adminSession(a);
    const revokedAt = performance.now();
    // Polled from the moment the request is sent, so the times include the request itself.
    const jwksChecks: [string, () => Promise<number>][] = [a, b].map((node, i) => [
      `JWKS of ${i === 0 ? 'A' : 'B'} without it`,
      async () => ((await jwksKids(node)).includes(kid) ? 200 : 401),
    ]);
    const refusedPromise = timeUntilAll([...checks, ...jwksChecks], 401, revokedAt);
    const revoked = await admin(a, 'POST', `/admin/v1/signing-keys/${kid}/revoke`, undefined, operator);
    const requestMs = Math.round(performance.now() - revokedAt);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ kid, revoked: true, previous_status: 'active' });
    const successor = revoked.body.active as string;
    expect(successor).not.toBe(kid);

    const refused = await refusedPromise;
    console.log(
      `issue 25 #1 (ms from the revoke request; it took ${requestMs} ms; bound ${BOUND_MS}):`,
      refused,
    );

    // New tokens, from either node, carry the successor and are accepted everywhere.
    const signedOnB = await expect
      .poll(async () => kidOf(await tokenLogin(b)), { timeout: DEADLINE_MS, interval: 50 })
      .toBe(successor);
    void signedOnB;
    for (const node of [a, b]) {
      const fresh = await tokenLogin(node);
      expect(kidOf(fresh)).toBe(successor);
      for (const [name, check] of tokenChecks(`new token from ${node === a ? 'A' : 'B'}`, fresh))
        await expect.poll(check, { timeout: DEADLINE_MS, message: name }).toBe(200);
    }
    // The leaked token stays refused (nothing brings the key back from a cache).
    for (const [name, check] of checks) expect(await check(), name).toBe(401);

    const keys = await admin(b, 'GET', '/admin/v1/signing-keys');
    const listed = (keys.body.keys as { kid: string; status: string }[]).find((key) => key.kid === kid);
    expect(listed?.status).toBe('revoked');
    const audit = await admin(a, 'GET', '/admin/v1/audit-events?limit=50');
    expect((audit.body.events as { type: string }[]).map((e) => e.type)).toContain('signing_key.revoked');
  }, 120_000);

  it('issue 25 #3: signing a user out ends their sessions and refuses their earlier tokens on A, B and the guard; logins during and after it keep working', async () => {
    const before = [await tokenLogin(a, USER), await tokenLogin(b, USER)];
    const bystander = await tokenLogin(a);
    const session = await cookieLogin(b, USER);
    const checks = before.flatMap((token, i) => tokenChecks(`user token ${i}`, token));
    checks.push(['user session on A', () => status(`${a}/account`, session)]);
    checks.push(['user session on B', () => status(`${b}/account`, session)]);
    for (const [name, check] of [...checks, ...tokenChecks('bystander', bystander)])
      await expect.poll(check, { timeout: 10_000, message: name }).toBe(200);

    // Sessions a second old or more end as soon as the entry arrives (younger ones at the delete).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // Logins of the same user race the operation; each must end up wholly before or after the cut-off.
    let racing = true;
    const raced: string[] = [];
    const race = (async () => {
      while (racing) raced.push(await tokenLogin(b, USER));
    })();
    const operator = await adminSession(a);
    const startedAt = performance.now();
    const refusedPromise = timeUntilAll(checks, 401, startedAt);
    const result = await admin(a, 'POST', '/admin/v1/sessions/revoke-all', { user: USER.email }, operator);
    const requestMs = Math.round(performance.now() - startedAt);
    // A few more logins after it returns.
    await new Promise((resolve) => setTimeout(resolve, 200));
    racing = false;
    await race;
    expect(result.status).toBe(200);
    const cutoffSeconds = Date.parse(result.body.cutoff as string) / 1000;

    const refused = await refusedPromise;
    console.log(
      `issue 25 #3 user (ms from the request; it took ${requestMs} ms; bound ${BOUND_MS}):`,
      refused,
    );
    for (const [name, check] of tokenChecks('bystander', bystander)) expect(await check(), name).toBe(200);

    const after = raced.filter((token) => iatOf(token) >= cutoffSeconds);
    const earlier = raced.filter((token) => iatOf(token) < cutoffSeconds);
    console.log(`issue 25 #3 racing logins: ${earlier.length} before the cut-off, ${after.length} after`);
    expect(after.length).toBeGreaterThan(0);
    for (const token of after)
      for (const [name, check] of tokenChecks('login after the cut-off', token))
        expect(await check(), name).toBe(200);
    for (const token of earlier)
      for (const [name, check] of tokenChecks('login before the cut-off', token))
        await expect.poll(check, { timeout: DEADLINE_MS, message: name }).toBe(401);

    const fresh = await cookieLogin(a, USER);
    expect(await status(`${b}/account`, fresh)).toBe(200);
  }, 120_000);

  it('issue 25 #3: signing everyone out refuses every earlier token on A, B and the guard; a new login works', async () => {
    const before = [await tokenLogin(a), await tokenLogin(b, USER)];
    const session = await cookieLogin(a, USER);
    const checks = before.flatMap((token, i) => tokenChecks(`token ${i}`, token));
    checks.push(['session on B', () => status(`${b}/account`, session)]);
    for (const [name, check] of checks)
      await expect.poll(check, { timeout: 10_000, message: name }).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // as above: sessions a second old

    const operator = await adminSession(b);
    const startedAt = performance.now();
    const refusedPromise = timeUntilAll(checks, 401, startedAt);
    const result = await admin(b, 'POST', '/admin/v1/sessions/revoke-all', { all: true }, operator);
    const requestMs = Math.round(performance.now() - startedAt);
    expect(result.status).toBe(200);
    const refused = await refusedPromise;
    console.log(
      `issue 25 #3 everyone (ms from the request; it took ${requestMs} ms; bound ${BOUND_MS}):`,
      refused,
    );

    for (const [name, check] of tokenChecks('new login', await tokenLogin(a)))
      await expect.poll(check, { timeout: DEADLINE_MS, message: name }).toBe(200);
    const audit = await admin(a, 'GET', '/admin/v1/audit-events?limit=50');
    expect((audit.body.events as { type: string }[]).map((e) => e.type)).toContain(
      'sessions.revoked_everyone',
    );
  }, 120_000);

  it('issue 25 #1 and #3 from the CLI (its own process): keys revoke and sessions revoke-all --all reach both nodes and the guard', async () => {
    const env = { ...cluster.env, GATEHOUSE_ISSUER: ISSUER };
    const token = await tokenLogin(b, USER);
    const kid = kidOf(token);
    const checks = tokenChecks('token', token);
    for (const [name, check] of checks)
      await expect.poll(check, { timeout: 10_000, message: name }).toBe(200);

    let startedAt = performance.now();
    const revoked = json<{ kid: string; revoked: boolean; active: string }>(
      await runCli('/tmp', ['keys', 'revoke', kid, '--json'], undefined, { env }),
    );
    const cliMs = Math.round(performance.now() - startedAt);
    expect(revoked).toMatchObject({ kid, revoked: true });
    startedAt = performance.now();
    const refused = await timeUntilAll(checks, 401, startedAt);
    console.log(`issue 25 #1 by CLI (the CLI took ${cliMs} ms; then ms until refused):`, refused);
    const fresh = await tokenLogin(a, USER);
    expect(kidOf(fresh)).toBe(revoked.active);

    const freshChecks = tokenChecks('token after the key revocation', fresh);
    for (const [name, check] of freshChecks)
      await expect.poll(check, { timeout: DEADLINE_MS, message: name }).toBe(200);
    startedAt = performance.now();
    const signedOut = await runCli(
      '/tmp',
      ['sessions', 'revoke-all', '--all', '--yes', '--json'],
      undefined,
      { env },
    );
    const signOutMs = Math.round(performance.now() - startedAt);
    expect(json<{ sessions: number }>(signedOut).sessions).toBeGreaterThan(0);
    startedAt = performance.now();
    console.log(
      `issue 25 #3 everyone by CLI (the CLI took ${signOutMs} ms; then ms until refused):`,
      await timeUntilAll(freshChecks, 401, startedAt),
    );
    const usage = await runCli('/tmp', ['sessions', 'revoke-all', '--json'], undefined, { env });
    expect(usage.code).toBe(2);
  }, 120_000);
});
