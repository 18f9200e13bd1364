/**
 * OAuth round trips on Gatehouse: (1) the full authorization-code + PKCE round trip of a returning
 * user — live Gatehouse session, consent already given — authorization request (no UI, straight
 * back with a code) plus the code exchange, measured one after another as a browser + RP would;
 * (2) introspection (RFC 7662) throughput for an opaque access token and for a JWT access token.
 *
 *   node --import tsx bench/oauth-flows.ts        (BENCH_DURATION=2 BENCH_WARMUP=1 for a smoke run)
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  ADMIN_EMAIL,
  ADMIN_OVERRIDES,
  ADMIN_PASSWORD,
  basicAuth,
  budget,
  DURATION_S,
  fmt,
  freePort,
  header,
  percentile,
  startChild,
  statusSummary,
  table,
  warmThenRun,
} from './support.ts';

const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 300);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const REDIRECT = 'https://rp.bench.test/cb';
const RESOURCE = 'https://notes.example.test';

budget(6);
header('OAuth round trips — authorization code + PKCE (returning user), introspection');

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

const port = await freePort();
const server = await startChild('server-oauth.ts', { overrides: { port, ...ADMIN_OVERRIDES } });
try {
  const base = server.url;
  const { clientId, secret } = await server.call<{ clientId: string; secret: string }>('client', {
    name: 'bench web app',
    type: 'confidential',
    redirectUris: [REDIRECT],
    grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
    scopes: ['openid', 'email', 'notes:read'],
    resources: [RESOURCE],
  });
  const jar = new Jar();
  const get = async (url: string) => {
    const response = await fetch(new URL(url, base), {
      headers: { cookie: jar.header(), 'sec-fetch-site': 'same-origin' },
      redirect: 'manual',
    });
    jar.take(response);
    return response;
  };
  // Sign in (JSON login) and consent once: the user is now "returning".
  const login = await fetch(`${base}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  jar.take(login);
  const csrf = ((await login.json()) as { csrf_token: string }).csrf_token;

  async function roundTrip(allowConsent: boolean): Promise<{ ms: number; accessToken: string }> {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const query = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: REDIRECT,
      scope: 'openid email',
      state: randomBytes(8).toString('hex'),
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const started = performance.now();
    let response = await get(`/oauth/authorize?${query}`);
    let location = response.headers.get('location') ?? '';
    for (let hops = 0; hops < 6 && !location.startsWith(REDIRECT); hops++) {
      if (location.includes('/oauth/interaction/') && allowConsent) {
        const page = await (await get(location)).text();
        if (page.includes('/consent"')) {
          response = await fetch(new URL(`${new URL(location, base).pathname}/consent`, base), {
            method: 'POST',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              cookie: jar.header(),
              'sec-fetch-site': 'same-origin',
            },
            body: new URLSearchParams({ csrf, decision: 'allow' }).toString(),
            redirect: 'manual',
          });
          jar.take(response);
          location = response.headers.get('location') ?? '';
          continue;
        }
      }
      response = await get(location);
      location = response.headers.get('location') ?? '';
    }
    const code = new URL(location).searchParams.get('code');
    if (code === null) throw new Error(`no code: ${location}`);
    const token = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(clientId, secret),
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
      }).toString(),
    });
    const body = (await token.json()) as { access_token?: string };
    if (token.status !== 200 || body.access_token === undefined) throw new Error(`token: ${token.status}`);
    return { ms: performance.now() - started, accessToken: body.access_token };
  }

  const first = await roundTrip(true);
  for (let i = 0; i < 20; i++) await roundTrip(false); // warm-up
  const times: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) times.push((await roundTrip(false)).ms);
  const sorted = Float64Array.from(times).sort();
  console.log(`\nauthorization code + PKCE, returning user (${ROUND_TRIPS} sequential round trips):`);
  table(
    ['round trip', 'p50 ms', 'p90 ms', 'p99 ms'],
    [
      [
        'GET /oauth/authorize → 303 code, POST /oauth/token',
        fmt.ms(percentile(sorted, 50)),
        fmt.ms(percentile(sorted, 90)),
        fmt.ms(percentile(sorted, 99)),
      ],
    ],
  );

  // Introspection: an opaque access token (stored) and a JWT access token (verified + revocation index).
  const cc = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuth(clientId, secret),
    },
    body: `grant_type=client_credentials&scope=notes%3Aread&resource=${encodeURIComponent(RESOURCE)}`,
  });
  const jwt = ((await cc.json()) as { access_token: string }).access_token;
  const rows: (string | number)[][] = [];
  for (const [label, token] of [
    ['opaque access token (SQLite lookup)', first.accessToken],
    ['JWT access token (signature + revocation index)', jwt],
  ] as const) {
    const result = await warmThenRun({
      url: `${base}/oauth/introspect`,
      connections: CONNECTIONS,
      durationS: DURATION_S,
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basicAuth(clientId, secret),
      },
      body: `token=${encodeURIComponent(token)}`,
    });
    rows.push([
      label,
      fmt.rps(result.rps),
      fmt.ms(result.p50),
      fmt.ms(result.p99),
      statusSummary(result.statuses),
    ]);
  }
  console.log(`\nPOST /oauth/introspect (${CONNECTIONS} connections):`);
  table(['token', 'req/s', 'p50 ms', 'p99 ms', 'statuses'], rows);
} finally {
  await server.stop();
}
