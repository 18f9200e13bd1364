import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.ts';

let h: Harness;
let port: number;

beforeAll(async () => {
  h = await createHarness();
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const address = h.app.server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
});
afterAll(() => h.close());

/** Sends raw bytes and returns the status line's code (exercises Node's own HTTP parser). */
function raw(request: string | Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.end(request));
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
  });
}

function expectNoLeak(body: string) {
  expect(body).not.toMatch(/at .*\.(ts|js):\d+|node_modules|SQLITE|sqlite|SELECT |fastify@|\/work\//);
}

describe('IN-01: oversized, malformed and unsupported input', () => {
  it('refuses a 10 MiB body fast with 413 and keeps /healthz up', async () => {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"email":"a@b.test","password":"${'a'.repeat(10 * 1024 * 1024)}"}`,
    }).catch(() => undefined);
    if (response !== undefined) {
      expect(response.status).toBe(413);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(performance.now() - started).toBeLessThan(3000);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('answers 431 to a 100 KB header and 400 to conflicting Content-Length / Transfer-Encoding', async () => {
    expect(await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`)).toBe(
      431,
    );
    const smuggle =
      'POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\n' +
      'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
    expect(await raw(smuggle)).toBe(400);
  });

  it('answers 405 with Allow to TRACE and unsupported methods, 404 problem+json to unknown routes', async () => {
    const trace = await h.app.inject({ method: 'TRACE' as 'GET', url: '/login' });
    expect(trace.statusCode).toBe(405);
    expect(trace.headers.allow).toBe('GET, HEAD, POST');
    const put = await h.app.inject({ method: 'PUT', url: '/account' });
    expect(put.statusCode).toBe(405);
    const missing = await h.app.inject({ method: 'GET', url: '/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    expectNoLeak(missing.body);
  });

  it('handles deep nesting, huge arrays and malformed JSON with a clean 4xx', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const bodies = [
      deep,
      '{"email":',
      `[${'1,'.repeat(30_000)}1]`,
      '{"email":"a@b.test","password":"x","__proto__":{"x":1}}',
    ];
    for (const payload of bodies) {
      const response = await h.app.inject({
        method: 'POST',
        url: '/login',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expectNoLeak(response.body);
    }
    const million = await fetch(`http://127.0.0.1:${port}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `[${'0,'.repeat(1_000_000)}0]`,
    }).catch(() => undefined);
    if (million !== undefined) expect(million.status).toBe(413);
  });

  it('malformed input to every API and invalid admin operations are 4xx problem+json', async () => {
    const cases = [
      { method: 'POST', url: '/account/password', payload: '{bad' },
      { method: 'DELETE', url: '/account/sessions/not-an-id' },
      { method: 'POST', url: '/session/introspect', payload: '{"token":1}' },
      { method: 'PUT', url: '/admin/v1/roles/Bad%20Name', payload: '{"permissions":["x"]}' },
      { method: 'POST', url: '/admin/v1/users', payload: '[]' },
    ] as const;
    for (const c of cases) {
      const response = await h.app.inject({
        method: c.method,
        url: c.url,
        headers: { 'content-type': 'application/json' },
        ...('payload' in c ? { payload: c.payload } : {}),
      });
      expect(response.statusCode, `${c.method} ${c.url}`).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, `${c.method} ${c.url}`).toBeLessThan(500);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expectNoLeak(response.body);
    }
  });
});
