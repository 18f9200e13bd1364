import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, codeFlow, createClient, relyingParty, startOAuthServer } from './oauth-helpers.ts';

/**
 * RT-07 end to end, scaled down from the checklist's idle 5 s / absolute 20 s to 3 s / 7 s (the
 * same mechanism, a shorter wait): production settings cannot go below 60 s, so these are
 * applied after validation. Expiry is in whole seconds (`exp = floor(now) + ttl`), so a token lives
 * between IDLE_S - 1 and IDLE_S seconds; refreshing every second keeps a margin on a loaded machine.
 */
const IDLE_S = 3;
const ABSOLUTE_S = 7;

let h: Awaited<ReturnType<typeof startOAuthServer>>;
beforeAll(async () => {
  h = await startOAuthServer(
    {},
    { unchecked: { refreshTokenIdleSeconds: IDLE_S, refreshTokenAbsoluteSeconds: ABSOLUTE_S } },
  );
});
afterAll(async () => {
  await h?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The family's absolute limit runs from the grant, made during the flow: it started at some
 * moment between `flowStartedAt` and `flowEndedAt` (a slow machine can spread them apart).
 */
async function refreshTokenFor() {
  const rp = await relyingParty(h, await createClient(h));
  const flowStartedAt = Date.now();
  const { tokens } = await codeFlow(rp, new Browser(h.issuer), {
    scope: 'openid offline_access',
    extra: { prompt: 'consent' },
  });
  return { rp, refreshToken: tokens?.refresh_token ?? '', flowStartedAt, flowEndedAt: Date.now() };
}

describe('RT-07: refresh tokens expire after inactivity and at the family’s absolute limit', () => {
  it('(a) a refresh token left unused past the idle limit is invalid_grant', async () => {
    const { rp, refreshToken } = await refreshTokenFor();
    expect(refreshToken).not.toBe('');
    await sleep((IDLE_S + 1) * 1000);
    await expect(oidc.refreshTokenGrant(rp.config, refreshToken)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('(b) refreshing within the idle limit keeps the family alive until its absolute limit, not past it', async () => {
    const { rp, refreshToken, flowStartedAt, flowEndedAt } = await refreshTokenFor();
    let current = refreshToken;
    let diedAt: number | undefined;
    while (Date.now() - flowEndedAt < (ABSOLUTE_S + 3) * 1000) {
      await sleep(1000);
      try {
        current = (await oidc.refreshTokenGrant(rp.config, current)).refresh_token ?? '';
      } catch (error) {
        expect(error).toMatchObject({ error: 'invalid_grant' });
        diedAt = Date.now();
        break;
      }
    }
    // Alive for every refresh before the absolute limit (so never idle-expired), dead right after
    // it. One second of slack below for whole-second expiry, two above for the refresh cadence.
    expect(diedAt).toBeDefined();
    expect((diedAt ?? 0) - flowStartedAt).toBeGreaterThanOrEqual((ABSOLUTE_S - 1) * 1000);
    expect((diedAt ?? 0) - flowEndedAt).toBeLessThanOrEqual((ABSOLUTE_S + 2) * 1000);
  });
});
