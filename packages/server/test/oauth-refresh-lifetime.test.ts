import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, codeFlow, createClient, relyingParty, startOAuthServer } from './oauth-helpers.ts';

/**
 * RT-07 end to end, scaled down from the checklist's idle 5 s / absolute 20 s to 2 s / 7 s (the
 * same mechanism, a third of the wait): production settings cannot go below 60 s, so these are
 * applied after validation.
 */
const IDLE_S = 2;
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

async function refreshTokenFor() {
  const rp = await relyingParty(h, await createClient(h));
  const { tokens } = await codeFlow(rp, new Browser(h.issuer), {
    scope: 'openid offline_access',
    extra: { prompt: 'consent' },
  });
  return { rp, refreshToken: tokens?.refresh_token ?? '', startedAt: Date.now() };
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
    const { rp, refreshToken, startedAt } = await refreshTokenFor();
    let current = refreshToken;
    let diedAfterMs: number | undefined;
    while (Date.now() - startedAt < (ABSOLUTE_S + 3) * 1000) {
      await sleep(1000);
      try {
        current = (await oidc.refreshTokenGrant(rp.config, current)).refresh_token ?? '';
      } catch (error) {
        expect(error).toMatchObject({ error: 'invalid_grant' });
        diedAfterMs = Date.now() - startedAt;
        break;
      }
    }
    // Alive for every refresh before the absolute limit (so never idle-expired), dead right after it.
    expect(diedAfterMs).toBeDefined();
    expect(diedAfterMs).toBeGreaterThanOrEqual((ABSOLUTE_S - 1) * 1000);
    expect(diedAfterMs).toBeLessThanOrEqual((ABSOLUTE_S + 2) * 1000);
  });
});
