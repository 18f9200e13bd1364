/**
 * One rotation rule for both token kinds (core refresh-rotation.ts): the same table of refresh
 * sequences runs against first-party `/token/refresh` and the OAuth engine's refresh grant, and
 * must give the same outcome step by step — rotation, the retry grace
 * (GATEHOUSE_REFRESH_REUSE_GRACE_SECONDS), reuse detection revoking the family or grant, the idle
 * lifetime. (The absolute lifetime needs refreshes made within a bound, so it is proven per kind:
 * tokens.test.ts RT-07 and oauth-refresh-lifetime.test.ts, with the same RefreshRotation.)
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './harness.ts';
import { Browser, codeFlow, createClient, relyingParty, startOAuthServer } from './oauth-helpers.ts';

type Server = Awaited<ReturnType<typeof startOAuthServer>>;
/** The refresh token of the outcome, or the OAuth error of a refusal. */
type Outcome = { ok: true; refreshToken: string } | { ok: false; error: string };

/** A token kind: how to start a family and how to present a refresh token, on a server. */
interface TokenKind {
  readonly name: string;
  issue(h: Server): Promise<{ refreshToken: string; refresh: (token: string) => Promise<Outcome> }>;
}

const firstParty: TokenKind = {
  name: 'first-party /token/refresh',
  async issue(h) {
    const login = await h.app.inject({
      method: 'POST',
      url: '/login',
      payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, mode: 'token' },
    });
    expect(login.statusCode).toBe(200);
    return {
      refreshToken: login.json<{ refresh_token: string }>().refresh_token,
      refresh: async (token) => {
        const response = await h.app.inject({
          method: 'POST',
          url: '/token/refresh',
          payload: { refresh_token: token },
        });
        return response.statusCode === 200
          ? { ok: true, refreshToken: response.json<{ refresh_token: string }>().refresh_token }
          : { ok: false, error: response.json<{ error: string }>().error };
      },
    };
  },
};

const oauth: TokenKind = {
  name: 'OAuth refresh_token grant',
  async issue(h) {
    const rp = await relyingParty(h, await createClient(h));
    const { tokens } = await codeFlow(rp, new Browser(h.issuer), {
      scope: 'openid offline_access',
      extra: { prompt: 'consent' },
    });
    return {
      refreshToken: tokens?.refresh_token ?? '',
      refresh: async (token) => {
        try {
          const refreshed = await oidc.refreshTokenGrant(rp.config, token);
          return { ok: true, refreshToken: refreshed.refresh_token ?? '' };
        } catch (error) {
          return { ok: false, error: String((error as { error?: unknown }).error) };
        }
      },
    };
  },
};

/**
 * Each step presents a token by name (`t0` is the first of the family) and expects either a token
 * — a new name must be a token not seen before, a known name that very token again — or a refusal.
 * `wait` lets time pass (only ever past a bound, so a slow machine cannot turn a row).
 */
type Step = { present: string; expect: string } | { wait: number };
interface Row {
  readonly name: string;
  readonly graceSeconds: number;
  /** An idle lifetime below the production floor (applied after validation), to wait past it. */
  readonly idleSeconds?: number;
  readonly steps: readonly Step[];
}

const table: readonly Row[] = [
  {
    name: 'every use rotates: a new token each time, which rotates in turn',
    graceSeconds: 30,
    steps: [
      { present: 't0', expect: 't1' },
      { present: 't1', expect: 't2' },
      { present: 't2', expect: 't3' },
    ],
  },
  {
    name: 'a retry within the grace, its successor unused, gets that same successor; the family lives',
    graceSeconds: 30,
    steps: [
      { present: 't0', expect: 't1' },
      { present: 't0', expect: 't1' },
      { present: 't1', expect: 't2' },
      { present: 't2', expect: 't3' },
    ],
  },
  {
    name: 'reuse once the successor was used is refused and revokes the whole family',
    graceSeconds: 30,
    steps: [
      { present: 't0', expect: 't1' },
      { present: 't1', expect: 't2' },
      { present: 't0', expect: 'invalid_grant' },
      { present: 't2', expect: 'invalid_grant' },
    ],
  },
  {
    name: 'reuse after the grace window revokes the family even though the successor is unused',
    graceSeconds: 1,
    steps: [
      { present: 't0', expect: 't1' },
      { wait: 1500 },
      { present: 't0', expect: 'invalid_grant' },
      { present: 't1', expect: 'invalid_grant' },
    ],
  },
  {
    name: 'a token left unused past the idle lifetime is refused',
    graceSeconds: 30,
    idleSeconds: 2,
    steps: [{ wait: 3500 }, { present: 't0', expect: 'invalid_grant' }],
  },
  {
    name: 'with no grace, any second use is reuse and revokes the family',
    graceSeconds: 0,
    steps: [
      { present: 't0', expect: 't1' },
      { present: 't0', expect: 'invalid_grant' },
      { present: 't1', expect: 'invalid_grant' },
    ],
  },
];

/** One server per distinct setting of the table, shared by both token kinds. */
const servers = new Map<string, Server>();
const settingsOf = (row: Row) => `${row.graceSeconds}/${row.idleSeconds ?? ''}`;
beforeAll(async () => {
  for (const row of table) {
    if (servers.has(settingsOf(row))) continue;
    const unchecked = row.idleSeconds === undefined ? {} : { refreshTokenIdleSeconds: row.idleSeconds };
    servers.set(
      settingsOf(row),
      await startOAuthServer({ refreshReuseGraceSeconds: row.graceSeconds }, { unchecked }),
    );
  }
});
afterAll(async () => {
  for (const h of servers.values()) await h.close();
});

/** The outcome of each presenting step, in the table's own terms. */
async function run(kind: TokenKind, row: Row): Promise<string[]> {
  const family = await kind.issue(servers.get(settingsOf(row))!);
  const named = new Map<string, string>([['t0', family.refreshToken]]);
  const outcomes: string[] = [];
  for (const step of row.steps) {
    if ('wait' in step) {
      await new Promise((resolve) => setTimeout(resolve, step.wait));
      continue;
    }
    const outcome = await family.refresh(named.get(step.present) ?? '');
    if (!outcome.ok) {
      outcomes.push(outcome.error);
      continue;
    }
    const known = [...named].find(([, token]) => token === outcome.refreshToken)?.[0];
    const name = known ?? `t${named.size}`;
    named.set(name, outcome.refreshToken);
    outcomes.push(name);
  }
  return outcomes;
}

describe.each([firstParty, oauth])('the rotation rule: $name', (kind) => {
  it.each(table)('$name', async (row) => {
    const expected = row.steps.flatMap((step) => ('expect' in step ? [step.expect] : []));
    expect(await run(kind, row)).toEqual(expected);
  });
});
