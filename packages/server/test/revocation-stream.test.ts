import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, createUser, type Harness, strongPassword } from './harness.ts';

let h: Harness;
let base: string;
const pw = strongPassword();

beforeAll(async () => {
  h = await createHarness();
  await createUser(h, 'u1@example.test', pw);
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const address = h.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});
afterAll(() => h.close());

/** Reads SSE events from a stream until `want` returns true or the time runs out. */
async function readEvents(
  response: Response,
  want: (data: { type: string; value: string }) => boolean,
  ms = 2000,
) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const deadline = Date.now() + ms;
  let buffer = '';
  try {
    while (Date.now() < deadline) {
      const chunk = await Promise.race([
        reader.read(),
        new Promise<{ done: true; value: undefined }>((resolve) =>
          setTimeout(() => resolve({ done: true, value: undefined }), deadline - Date.now()),
        ),
      ]);
      if (chunk.done) break;
      buffer += chunk.value;
      for (const block of buffer.split('\n\n')) {
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data !== undefined && want(JSON.parse(data))) return true;
      }
    }
    return false;
  } finally {
    await reader.cancel();
  }
}

describe('revocation feed stream', () => {
  it('needs the resource-server secret', async () => {
    expect((await fetch(`${base}/revocations/stream`)).status).toBe(401);
  });

  it('pushes a logout to a connected stream within 1 s', async () => {
    const stream = await fetch(`${base}/revocations/stream?after=0`, {
      headers: { authorization: `Bearer ${h.config.introspectionSecret}` },
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const login = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'u1@example.test', password: pw, mode: 'token' }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const sid = decodeJwt(token).sid;
    const started = Date.now();
    const seen = readEvents(stream, (e) => e.type === 'sid' && e.value === sid);
    await fetch(`${base}/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(await seen).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('catches up from a cursor before streaming', async () => {
    const stream = await fetch(`${base}/revocations/stream?after=0`, {
      headers: { authorization: `Bearer ${h.config.introspectionSecret}` },
    });
    // The logout of the previous test is in the index, so catch-up must deliver it.
    expect(await readEvents(stream, (e) => e.type === 'sid')).toBe(true);
  });

  it('sends an entry pub/sub never brought (written straight to the log) once the node catches up, and logs it', async () => {
    const page = (await (
      await fetch(`${base}/revocations?after=0`, {
        headers: { authorization: `Bearer ${h.config.introspectionSecret}` },
      })
    ).json()) as { cursor: number };
    const stream = await fetch(`${base}/revocations/stream?after=${page.cursor}`, {
      headers: { authorization: `Bearer ${h.config.introspectionSecret}` },
    });
    const now = Date.now();
    // As if another node appended it and its pub/sub message was lost.
    const [entry] = await h.gatehouse.storage.revocations.append([
      { type: 'jti', value: 'lost-in-transit', at: now, expiresAt: now + 60_000 },
    ]);
    expect(h.gatehouse.revocations.isRevoked({ jti: 'lost-in-transit' })).toBe(false);
    const seen = readEvents(stream, (e) => e.type === 'jti' && e.value === 'lost-in-transit', 5000);
    await h.gatehouse.revocations.catchUp();
    expect(await seen).toBe(true);
    expect(h.gatehouse.revocations.isRevoked({ jti: 'lost-in-transit' })).toBe(true);
    expect(h.gatehouse.revocations.watermark).toBeGreaterThanOrEqual(entry!.seq);
    expect(h.logs.some((line) => line.includes('pub/sub had not delivered'))).toBe(true);
  });

  it('an entry sent below one already sent moves the event id only past both (ids are resume points)', async () => {
    const stream = await fetch(`${base}/revocations/stream?after=${h.gatehouse.revocations.watermark}`, {
      headers: { authorization: `Bearer ${h.config.introspectionSecret}` },
    });
    const events: { id: number; value: string; seq: number }[] = [];
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    const reading = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += value;
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop()!;
        for (const block of blocks) {
          const id = /^id: (\d+)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id !== undefined && data !== undefined) {
            const entry = JSON.parse(data) as { seq: number; value: string };
            events.push({ id: Number(id), value: entry.value, seq: entry.seq });
          }
        }
      }
    })().catch(() => {});
    try {
      const now = Date.now();
      const entry = (value: string) => ({ type: 'jti' as const, value, at: now, expiresAt: now + 60_000 });
      // `first` is in the log, but its message never came; `second` comes through the bus: a gap.
      const [first] = await h.gatehouse.storage.revocations.append([entry('first')]);
      const [second] = await h.gatehouse.revocations.add([entry('second')]);
      await expect.poll(() => events.map((e) => e.value), { timeout: 5000 }).toEqual(['second', 'first']);
      // `second` went out while `first` was missing: its id stays below `first`; `first`'s covers both.
      expect(events[0]!.id).toBeLessThan(first!.seq);
      expect(events[1]!.id).toBe(second!.seq);
    } finally {
      await reader.cancel();
      await reading;
    }
  });
});
