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
});
