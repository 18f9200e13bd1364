/**
 * OAuth round trips, Gatehouse beside a bare oidc-provider (in-memory adapter, same client, same
 * ES256 key type; bench/server-bare-oidc.ts): (1) the full authorization-code + PKCE round trip of
 * a returning user — live session, consent already given — authorization request (no UI, straight
 * back with a code) plus the code exchange, measured one after another as a browser + RP would,
 * alternating between the two servers; (2) introspection (RFC 7662) throughput for an opaque access
 * token on both, in alternating rounds, and for a JWT access token on Gatehouse (the engine itself
 * does not introspect JWT access tokens, so the bare provider has no figure there).
 *
 *   node --conditions=@gatehouse/source --import tsx bench/oauth-flows.ts        (BENCH_DURATION=2 BENCH_WARMUP=1 for a smoke run)
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  ADMIN_EMAIL,
  ADMIN_OVERRIDES,
  ADMIN_PASSWORD,
  barePeer,
  basicAuth,
  budget,
  DURATION_S,
  fmt,
  freePort,
  header,
  interleavedRounds,
  type LoadOptions,
  type LoadResult,
  medianRun,
  percentile,
  type ServerChild,
  startChild,
  statusSummary,
  table,
  warmThenRun,
} from './support.ts';

const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 300);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const REDIRECT = 'https://rp.bench.test/cb';
const RESOURCE = 'https://notes.example.test';

budget(8);
header(
  'OAuth round trips — authorization code + PKCE (returning user), introspection — Gatehouse vs bare oidc-provider',
);

/** A cookie jar good enough for one browser on one origin. */
class Jar {
  readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** One server under test: where its endpoints are, its client, its browser's cookie jar. */
interface Target {
  readonly name: string;
  readonly base: string;
  readonly pid: number;
  readonly authorize: string;
  readonly token: string;
  readonly introspect: string;
  readonly clientId: string;
  readonly secret: string;
  readonly jar: Jar;
  /** Gatehouse's consent form needs the session's CSRF token (the bare peer consents without a page). */
  readonly csrf?: string;
}

const gatehouse = await startChild('server-oauth.ts', {
  overrides: { port: await freePort(), ...ADMIN_OVERRIDES },
});
let bare: ServerChild | undefined;
try {
  const peer = await barePeer(
    gatehouse,
    {
      name: 'bench web app',
      type: 'confidential',
      redirectUris: [REDIRECT],
      grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
      scopes: ['openid', 'email', 'notes:read'],
      resources: [RESOURCE],
    },
    { resource: RESOURCE, redirectUri: REDIRECT, sqlStore: process.env.BENCH_BARE_SQL === '1' },
  );
  bare = peer.bare;
  const { clientId, secret } = peer;
  // Sign in to Gatehouse (JSON login); the first round trip consents once. The user is then
  // "returning" on both servers.
  const gatehouseJar = new Jar();
  const login = await fetch(`${gatehouse.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  gatehouseJar.take(login);
  const targets: readonly Target[] = [
    {
      name: 'Gatehouse',
      base: gatehouse.url,
      pid: gatehouse.pid,
      authorize: '/oauth/authorize',
      token: '/oauth/token',
      introspect: '/oauth/introspect',
      clientId,
      secret,
      jar: gatehouseJar,
      csrf: ((await login.json()) as { csrf_token: string }).csrf_token,
    },
    {
      name: 'bare oidc-provider',
      base: bare.url,
      pid: bare.pid,
      authorize: '/auth',
      token: '/token',
      introspect: '/token/introspection',
      clientId,
      secret,
      jar: new Jar(),
    },
  ];

  async function get(target: Target, url: string): Promise<Response> {
    const response = await fetch(new URL(url, target.base), {
      headers: { cookie: target.jar.header(), 'sec-fetch-site': 'same-origin' },
      redirect: 'manual',
    });
    target.jar.take(response);
    return response;
  }

  async function roundTrip(
    target: Target,
    allowConsent: boolean,
  ): Promise<{ ms: number; accessToken: string }> {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const query = new URLSearchParams({
      client_id: target.clientId,
      response_type: 'code',
      redirect_uri: REDIRECT,
      scope: 'openid email',
      state: randomBytes(8).toString('hex'),
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const started = performance.now();
    let response = await get(target, `${target.authorize}?${query}`);
    let location = response.headers.get('location') ?? '';
    for (let hops = 0; hops < 6 && !location.startsWith(REDIRECT); hops++) {
      if (location.includes('/oauth/interaction/') && allowConsent && target.csrf !== undefined) {
        const page = await (await get(target, location)).text();
        if (page.includes('/consent"')) {
          response = await fetch(new URL(`${new URL(location, target.base).pathname}/consent`, target.base), {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              cookie: target.jar.header(),
              'sec-fetch-site': 'same-origin',
            },
            body: new URLSearchParams({ csrf: target.csrf, decision: 'allow' }).toString(),
            redirect: 'manual',
          });
          target.jar.take(response);
          location = response.headers.get('location') ?? '';
          continue;
        }
      }
      response = await get(target, location);
      location = response.headers.get('location') ?? '';
    }
    const code = new URL(location, target.base).searchParams.get('code');
    if (code === null) throw new Error(`${target.name}: no code: ${location}`);
    const token = await fetch(new URL(target.token, target.base), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(target.clientId, target.secret),
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
      }).toString(),
    });
    const body = (await token.json()) as { access_token?: string };
    if (token.status !== 200 || body.access_token === undefined)
      throw new Error(`${target.name} token: ${token.status} ${JSON.stringify(body)}`);
    return { ms: performance.now() - started, accessToken: body.access_token };
  }

  // The first round trip makes the user a returning one; then warm-up, then the measured ones,
  // alternating between the servers so that the machine's drift lands on both alike.
  const opaque = await Promise.all(targets.map((target) => roundTrip(target, true)));
  for (let i = 0; i < 20; i++) for (const target of targets) await roundTrip(target, false);
  const times: number[][] = targets.map(() => []);
  for (let i = 0; i < ROUND_TRIPS; i++)
    for (const [t, target] of targets.entries()) times[t]!.push((await roundTrip(target, false)).ms);
  console.log(
    `\nauthorization code + PKCE, returning user (${ROUND_TRIPS} sequential round trips each, alternating):`,
  );
  const sorted = times.map((runs) => Float64Array.from(runs).sort());
  table(
    ['server: authorize → 303 code, then code exchange', 'p50 ms', 'p90 ms', 'p99 ms'],
    targets.map((target, t) => [
      target.name,
      fmt.ms(percentile(sorted[t]!, 50)),
      fmt.ms(percentile(sorted[t]!, 90)),
      fmt.ms(percentile(sorted[t]!, 99)),
    ]),
  );
  const p50 = (t: number) => percentile(sorted[t]!, 50);
  console.log(`p50, Gatehouse / bare: ${fmt.ratio(p50(0) / p50(1))} (lower is faster)`);

  // Introspection: an opaque access token (stored) on both; a JWT access token on Gatehouse.
  const introspection = (target: Target, token: string): LoadOptions => ({
    url: new URL(target.introspect, target.base).href,
    serverPid: target.pid,
    connections: CONNECTIONS,
    durationS: DURATION_S,
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(target.clientId, target.secret),
    },
    body: `token=${encodeURIComponent(token)}`,
  });
  const cc = await fetch(`${gatehouse.url}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(clientId, secret),
    },
    body: `grant_type=client_credentials&scope=notes%3Aread&resource=${encodeURIComponent(RESOURCE)}`,
  });
  const jwt = ((await cc.json()) as { access_token: string }).access_token;
  // Both servers must find the tokens active, or the figures compare a lookup with a refusal.
  for (const [t, target] of targets.entries()) {
    const options = introspection(target, opaque[t]!.accessToken);
    const answer = await fetch(options.url, {
      method: 'POST',
      headers: options.headers ?? {},
      body: options.body ?? '',
    });
    const { active } = (await answer.json()) as { active?: boolean };
    if (active !== true) throw new Error(`${target.name}: the opaque access token introspects inactive`);
  }
  const opaqueRuns = await interleavedRounds(
    targets.map((target, t) => introspection(target, opaque[t]!.accessToken)),
  );
  const jwtRun = await warmThenRun(introspection(targets[0]!, jwt));
  const row = (label: string, run: LoadResult) => [
    label,
    fmt.rps(run.rps),
    fmt.ms(run.p50),
    fmt.ms(run.p99),
    fmt.us(run.serverCpuUs),
    statusSummary(run.statuses),
  ];
  console.log(`\nintrospection (${CONNECTIONS} connections; opaque: median of alternating rounds):`);
  table(
    ['server and token', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'statuses'],
    [
      row('Gatehouse, opaque access token (SQLite lookup)', medianRun(opaqueRuns[0]!)),
      row('bare oidc-provider, opaque access token (in memory)', medianRun(opaqueRuns[1]!)),
      row('Gatehouse, JWT access token (signature + revocation index)', jwtRun),
    ],
  );
  console.log(
    `opaque, Gatehouse / bare: ${fmt.ratio(medianRun(opaqueRuns[0]!).rps / medianRun(opaqueRuns[1]!).rps)} (the engine does not introspect JWT access tokens: no peer figure)`,
  );
} finally {
  await gatehouse.stop();
  await bare?.stop();
}
