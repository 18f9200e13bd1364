import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthServer } from './oauth-helpers.ts';

let h: Awaited<ReturnType<typeof startOAuthServer>>;
beforeAll(async () => {
  h = await startOAuthServer();
});
afterAll(async () => {
  await h?.close();
});

/** A GET with headers fetch() would not let us forge (Host). */
function get(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const url = new URL(path, h.issuer);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'GET', headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the OAuth engine behind a forged Host', () => {
  it('pins every URL it publishes to the issuer, whatever Host or X-Forwarded-* say', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const { status, body } = await get(path, {
        host: 'evil.example',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
      });
      expect(status).toBe(200);
      const document = JSON.parse(body) as Record<string, unknown>;
      expect(document.issuer).toBe(h.issuer);
      const urls = Object.values(document).filter(
        (value): value is string => typeof value === 'string' && /^https?:\/\//.test(value),
      );
      expect(urls.length).toBeGreaterThan(5);
      for (const url of urls) expect(url.startsWith(`${h.issuer}/`) || url === h.issuer).toBe(true);
      expect(body).not.toContain('evil.example');
    }
  });
});
