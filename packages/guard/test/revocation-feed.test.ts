import { fromWire, RevocationSet } from '@gatehouse/core/revocation-set';
/**
 * The revocation feed client against the contract: catch-up pages, the SSE stream, reconnection
 * with catch-up first, staleness, and JWT-09 — revocations (sid, jti, sub-before) applied within
 * 1 s of the feed event, cached tokens included.
 */
import { createGuard, type Guard, type GuardEvent } from '@gatehouse/guard';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  bearer,
  makeKey,
  nowSeconds,
  refusal,
  SECRET,
  StubGatehouse,
  within,
} from './support/stub-gatehouse.ts';

let stub: StubGatehouse;
const guards: Guard[] = [];

beforeAll(async () => {
  stub = await StubGatehouse.start();
});
afterEach(async () => {
  await Promise.all(guards.splice(0).map((g) => g.close()));
});
afterAll(async () => {
  await stub.close();
});

function guardFor(extra: Parameters<typeof createGuard>[0] = {}): Guard {
  const guard = createGuard({
    issuer: stub.issuer,
    audience: AUDIENCE,
    introspectionSecret: SECRET,
    ...extra,
  });
  guards.push(guard);
  return guard;
}

const refused = async (guard: Guard, token: string) => {
  try {
    await guard.authenticate(bearer(token));
    return false;
  } catch {
    return true;
  }
};

describe('catch-up', () => {
  it('pages through the log (1000 per page, looping while full), then follows the stream from the cursor', async () => {
    stub.appendSilently(2500);
    const last = stub.entries.at(-1)!.seq;
    const first = last - 2500;
    const mark = stub.log.length;
    const events: GuardEvent[] = [];
    const guard = guardFor({ onEvent: (event) => events.push(event) });
    await guard.ready();
    await within(1000, () => events.some((e) => e.type === 'revocation_feed.connected'));
    expect(stub.log.slice(mark)).toEqual([
      `GET /revocations?after=0`,
      `GET /revocations?after=${first + 1000}`,
      `GET /revocations?after=${first + 2000}`,
      `GET /revocations/stream?after=${last}`,
    ]);
    expect(guard.status().revocationFeed).toMatchObject({ cursor: last, entries: last });
    expect(events.map((e) => e.type)).toEqual(['revocation_feed.synced', 'revocation_feed.connected']);
  });

  it('ready() rejects when Gatehouse refuses the secret', async () => {
    const guard = guardFor({ introspectionSecret: 'w'.repeat(40) });
    await expect(guard.ready()).rejects.toThrow(/refused the introspection secret/);
  });

  it('before the first catch-up Bearer requests are 503; they pass once the feed is in sync', async () => {
    stub.revocationsStatus = 500;
    try {
      const guard = guardFor();
      const token = await stub.mint();
      const error = await refusal(guard.authenticate(bearer(token)));
      expect(error).toMatchObject({ status: 503, reason: 'revocation_feed_stale' });
      stub.revocationsStatus = 200;
      await guard.ready();
      await expect(guard.authenticate(bearer(token))).resolves.toBeDefined();
    } finally {
      stub.revocationsStatus = 200;
    }
  });
});

describe('JWT-09 revocation through the feed', () => {
  it.each([
    ['sid', (t: { sid: string; jti: string }) => t.sid],
    ['jti', (t: { sid: string; jti: string }) => t.jti],
  ])('a %s entry refuses the token within 1 s, even when it is cached', async (type, value) => {
    const guard = guardFor();
    await guard.ready();
    const ids = { sid: `sess-${type}-${Date.now()}`, jti: `jti-${type}-${Date.now()}` };
    const token = await stub.mint(ids);
    const other = await stub.mint({ sid: 'unrelated', jti: 'unrelated' });
    await guard.authenticate(bearer(token));
    await guard.authenticate(bearer(token)); // now a cache hit
    expect(guard.status().cachedTokens).toBeGreaterThan(0);
    stub.revoke(type, value(ids));
    const elapsed = await within(1000, () => refused(guard, token));
    expect(elapsed).toBeLessThan(1000);
    expect((await refusal(guard.authenticate(bearer(token)))).reason).toBe('revoked');
    await expect(guard.authenticate(bearer(other))).resolves.toBeDefined();
  });

  it('a sub entry refuses that subject’s tokens issued at or before `at`, not later ones', async () => {
    const guard = guardFor();
    await guard.ready();
    const now = nowSeconds();
    const before = await stub.mint({ sub: 'disabled-user', iat: now - 10 });
    const atTheSecond = await stub.mint({ sub: 'disabled-user', iat: now - 5 });
    const after = await stub.mint({ sub: 'disabled-user', iat: now });
    const someoneElse = await stub.mint({ sub: 'other-user', iat: now - 10 });
    for (const token of [before, atTheSecond, after]) await guard.authenticate(bearer(token));
    stub.revoke('sub', 'disabled-user', { at: now - 5 });
    await within(1000, () => refused(guard, before));
    expect(await refused(guard, atTheSecond)).toBe(true);
    await expect(guard.authenticate(bearer(after))).resolves.toBeDefined();
    await expect(guard.authenticate(bearer(someoneElse))).resolves.toBeDefined();
  });

  it('issue 25 #1: a kid entry refuses every token of that key, cached ones included, though the JWKS still serves it', async () => {
    const leaked = await makeKey(`leaked-${Date.now()}`);
    stub.keys.push(leaked);
    try {
      const guard = guardFor();
      await guard.ready();
      const token = await stub.mint({}, { key: leaked });
      const other = await stub.mint();
      await guard.authenticate(bearer(token));
      await guard.authenticate(bearer(token)); // a cache hit now
      stub.revoke('kid', leaked.kid);
      const elapsed = await within(1000, () => refused(guard, token));
      expect(elapsed).toBeLessThan(1000);
      expect((await refusal(guard.authenticate(bearer(token)))).reason).toBe('revoked_key');
      // A token minted with the key after the revocation (a forgery) is refused the same way.
      const forged = await stub.mint({ jti: 'forged' }, { key: leaked });
      expect((await refusal(guard.authenticate(bearer(forged)))).reason).toBe('revoked_key');
      await expect(guard.authenticate(bearer(other))).resolves.toBeDefined();
    } finally {
      stub.keys.splice(stub.keys.indexOf(leaked), 1);
    }
  });

  it('issue 25 #1: after a kid entry the guard refetches the JWKS for the key that took over, without the 30 s cooldown', async () => {
    const guard = guardFor();
    await guard.ready();
    await guard.authenticate(bearer(await stub.mint())); // the JWKS is fetched now
    const successor = await makeKey(`successor-${Date.now()}`);
    stub.keys.push(successor);
    try {
      const token = await stub.mint({}, { key: successor });
      // Unknown kid within the cooldown of the last fetch: refused.
      expect(await refused(guard, token)).toBe(true);
      stub.revoke('kid', `gone-${Date.now()}`);
      const elapsed = await within(1000, async () => !(await refused(guard, token)));
      expect(elapsed).toBeLessThan(1000);
    } finally {
      stub.keys.splice(stub.keys.indexOf(successor), 1);
    }
  });

  it('issue 25 #3: an nbf entry refuses the subject’s tokens with iat before the cut-off (`*`: everyone’s), not later ones', async () => {
    const guard = guardFor();
    await guard.ready();
    const now = nowSeconds();
    const subject = `signed-out-${now}`;
    const before = await stub.mint({ sub: subject, iat: now - 10 });
    const atCutoff = await stub.mint({ sub: subject, iat: now - 5 });
    const someoneElse = await stub.mint({ sub: `${subject}-other`, iat: now - 10 });
    for (const token of [before, atCutoff, someoneElse]) await guard.authenticate(bearer(token));
    stub.revoke('nbf', subject, { at: now - 5 });
    await within(1000, () => refused(guard, before));
    expect((await refusal(guard.authenticate(bearer(before)))).reason).toBe('revoked');
    // iat equal to the cut-off is not before it (unlike `sub`, which is "at or before").
    await expect(guard.authenticate(bearer(atCutoff))).resolves.toBeDefined();
    await expect(guard.authenticate(bearer(someoneElse))).resolves.toBeDefined();
    stub.revoke('nbf', '*', { at: now - 8 });
    await within(1000, () => refused(guard, someoneElse));
    await expect(guard.authenticate(bearer(atCutoff))).resolves.toBeDefined();
  });

  it('after the stream drops, the guard catches up from its cursor first, then reconnects', async () => {
    const guard = guardFor();
    await guard.ready();
    await within(1000, () => stub.streams.size === 1);
    const cursor = guard.status().revocationFeed!.cursor;
    const token = await stub.mint({ jti: `dropped-${Date.now()}` });
    await guard.authenticate(bearer(token));
    const mark = stub.log.length;
    stub.dropStreams();
    stub.revoke('jti', JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti);
    await within(2000, () => refused(guard, token));
    await within(2000, () => stub.streams.size === 1);
    expect(stub.log.slice(mark)).toEqual([
      `GET /revocations?after=${cursor}`,
      `GET /revocations/stream?after=${cursor + 1}`,
    ]);
  });

  it('a stream ended with `event: reconnect` is a handoff, not a failure: catch up and reconnect after `retry`, no backoff', async () => {
    const events: GuardEvent[] = [];
    const guard = guardFor({ onEvent: (event) => events.push(event) });
    await guard.ready();
    await within(1000, () => stub.streams.size === 1);
    const cursor = guard.status().revocationFeed!.cursor;
    const mark = stub.log.length;
    events.length = 0;
    stub.handOffStreams(300);
    await within(2000, () => stub.streams.size === 1);
    expect(stub.log.slice(mark)).toEqual([
      `GET /revocations?after=${cursor}`,
      `GET /revocations/stream?after=${cursor}`,
    ]);
    const handoff = events.find((e) => e.type === 'revocation_feed.handoff');
    expect(handoff).toMatchObject({ type: 'revocation_feed.handoff' });
    expect((handoff as { retryInMs: number }).retryInMs).toBeLessThanOrEqual(300);
    expect(events.some((e) => e.type === 'revocation_feed.disconnected')).toBe(false);
  });

  it('unknown entry types are skipped (newer servers) and the cursor still advances', async () => {
    const guard = guardFor();
    await guard.ready();
    const entry = stub.revoke('client', 'some-client');
    await within(1000, () => guard.status().revocationFeed!.cursor === entry.seq);
    await expect(guard.authenticate(bearer(await stub.mint()))).resolves.toBeDefined();
  });
});

describe('entries out of order (issue 16)', () => {
  it('applies an entry that arrives below one already applied; the event id, not the seq, is the cursor', async () => {
    const guard = guardFor();
    await guard.ready();
    await within(1000, () => stub.streams.size === 1);
    const start = guard.status().revocationFeed!.cursor;
    const late = await stub.mint({ jti: `late-${Date.now()}` });
    const early = await stub.mint({ jti: `early-${Date.now()}` });
    const jti = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti;
    const at = nowSeconds();
    const send = (seq: number, id: number, value: string) => {
      const entry = { seq, type: 'jti', value, at, expires_at: at + 900 };
      for (const stream of stub.streams)
        stream.write(`id: ${id}\nevent: revocation\ndata: ${JSON.stringify(entry)}\n\n`);
    };
    // seq start+2 first; the server holds its resume point at `start` while start+1 is missing …
    send(start + 2, start, jti(early));
    await within(1000, () => refused(guard, early));
    expect(guard.status().revocationFeed!.cursor).toBe(start);
    // … then start+1 arrives (it committed late, or a catch-up found it): applied, not skipped.
    send(start + 1, start + 2, jti(late));
    await within(1000, () => refused(guard, late));
    expect(guard.status().revocationFeed!.cursor).toBe(start + 2);
  });
});

describe('staleness', () => {
  it('reports a stale feed once (failure: closed by default), and its recovery', async () => {
    let clock = Date.now();
    const events: GuardEvent[] = [];
    const guard = guardFor({ now: () => clock, onEvent: (event) => events.push(event) });
    await guard.ready();
    await within(1000, () => events.some((e) => e.type === 'revocation_feed.connected'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const mint = () => stub.mint({ iat: Math.floor(clock / 1000), exp: Math.floor(clock / 1000) + 300 });
    clock += 61_000;
    for (let i = 0; i < 3; i++)
      expect(await refusal(guard.authenticate(bearer(await mint())))).toMatchObject({ status: 503 });
    const stale = events.filter((e) => e.type === 'revocation_feed.stale');
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({ failure: 'closed' });
    expect((stale[0] as { stalenessMs: number }).stalenessMs).toBeGreaterThan(60_000);
    stub.ping();
    await within(1000, async () => !(await refused(guard, await mint())));
    expect(events.filter((e) => e.type === 'revocation_feed.recovered')).toHaveLength(1);
  });

  it('revocationFeedFailure: open accepts tokens against the revocations known at the last sync', async () => {
    let clock = Date.now();
    const events: GuardEvent[] = [];
    const guard = guardFor({
      now: () => clock,
      revocationFeedFailure: 'open',
      onEvent: (event) => events.push(event),
    });
    await guard.ready();
    await within(1000, () => events.some((e) => e.type === 'revocation_feed.connected'));
    const iat = Math.floor(clock / 1000);
    const revoked = await stub.mint({ jti: `open-${Date.now()}`, iat, exp: iat + 300 });
    stub.revoke('jti', JSON.parse(Buffer.from(revoked.split('.')[1]!, 'base64url').toString()).jti);
    await within(1000, () => refused(guard, revoked));
    await new Promise((resolve) => setTimeout(resolve, 100));
    clock += 61_000;
    const fresh = await stub.mint({ iat: Math.floor(clock / 1000), exp: Math.floor(clock / 1000) + 300 });
    await expect(guard.authenticate(bearer(fresh))).resolves.toBeDefined();
    expect((await refusal(guard.authenticate(bearer(revoked)))).reason).toBe('revoked');
    expect(events.filter((e) => e.type === 'revocation_feed.stale')).toMatchObject([{ failure: 'open' }]);
  });

  it('a silent feed past revocationFeedMaxStalenessMs makes Bearer requests 503 until it is heard again', async () => {
    let clock = Date.now();
    let connected = false;
    const guard = guardFor({
      now: () => clock,
      revocationFeedMaxStalenessMs: 60_000,
      onEvent: (event) => {
        if (event.type === 'revocation_feed.connected') connected = true;
      },
    });
    await guard.ready();
    await within(1000, () => connected);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the stream's first bytes, read before the jump
    const mint = () => stub.mint({ iat: Math.floor(clock / 1000), exp: Math.floor(clock / 1000) + 300 });
    await guard.authenticate(bearer(await mint()));
    clock += 61_000;
    const error = await refusal(guard.authenticate(bearer(await mint())));
    expect(error).toMatchObject({ status: 503, reason: 'revocation_feed_stale' });
    stub.ping();
    await within(1000, async () => !(await refused(guard, await mint())));
  });
});

describe('close()', () => {
  it('stops the stream and every request to Gatehouse', async () => {
    const guard = guardFor();
    await guard.ready();
    await within(1000, () => stub.streams.size === 1);
    await guard.close();
    await within(1000, () => stub.streams.size === 0);
    const mark = stub.log.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(stub.log.length).toBe(mark);
  });
});

describe("core's RevocationSet fed from the wire (the guard's revocation mirror)", () => {
  it('forgets entries after expires_at (plus the clock tolerance)', () => {
    // As the guard builds it for a 30 s tolerance: that, and the whole second the wire rounds to.
    const list = new RevocationSet({ graceMs: 31_000 });
    list.apply(fromWire({ seq: 1, type: 'jti', value: 'a', at: 100, expires_at: 200 }));
    list.apply(fromWire({ seq: 2, type: 'sub', value: 'u', at: 100, expires_at: 300 }));
    const claims = { jti: 'a', sub: 'u', iat: 50 };
    expect(list.isRevoked(claims)).toBe(true);
    list.prune(230_000);
    expect(list.size).toBe(2);
    list.prune(231_000);
    expect(list.size).toBe(1);
    expect(list.isRevoked({ ...claims, sub: 'x' })).toBe(false);
    expect(list.isRevoked(claims)).toBe(true);
    list.prune(400_000);
    expect(list.size).toBe(0);
  });

  it('kid and nbf entries: checked, counted and forgotten like the others', () => {
    // As the guard builds it for a 30 s tolerance: that, and the whole second the wire rounds to.
    const list = new RevocationSet({ graceMs: 31_000 });
    list.apply(fromWire({ seq: 1, type: 'kid', value: 'k1', at: 100, expires_at: 200 }));
    list.apply(fromWire({ seq: 2, type: 'nbf', value: '*', at: 150, expires_at: 300 }));
    expect(list.isKeyRevoked('k1')).toBe(true);
    expect(list.isKeyRevoked('k2')).toBe(false);
    expect(list.isRevoked({ jti: 'j', sub: 'u', iat: 149 })).toBe(true);
    expect(list.isRevoked({ jti: 'j', sub: 'u', iat: 150 })).toBe(false);
    expect(list.size).toBe(2);
    list.prune(231_000);
    expect(list.isKeyRevoked('k1')).toBe(false);
    list.prune(331_000);
    expect(list.size).toBe(0);
  });
});
