/**
 * The guard on an edge runtime (docs/guard.md "Runtimes"): bundled by esbuild for the `neutral`
 * platform — no Node built-ins to resolve, nothing left external — its output must hold no `node:`
 * module and no import at all, and, loaded as a Workers-style module (`export default { fetch }`),
 * it must verify Bearer tokens (Web Crypto, JWKS over `fetch`) and refuse malformed API keys
 * (the portable key format) through the fetch adapter.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { assembleApiKey } from '@gatehouse/core/api-key-format';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from './support/edge-worker.ts';
import { AUDIENCE, SECRET, StubGatehouse } from './support/stub-gatehouse.ts';

interface Worker {
  fetch(request: Request, env: Env): Promise<Response>;
  close(): Promise<void> | undefined;
}

const entry = fileURLToPath(new URL('./support/edge-worker.ts', import.meta.url));
let dir: string;
let bundle: string;
let imports: readonly { path: string }[];
let worker: Worker;
let stub: StubGatehouse;
let env: Env;

beforeAll(async () => {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    // What a worker bundler picks in jose and our packages (sources here, as in the monorepo).
    conditions: ['@gatehouse/source', 'worker', 'browser', 'import'],
    mainFields: ['module', 'main'],
    target: 'es2022',
    metafile: true,
    logLevel: 'silent',
  });
  bundle = result.outputFiles[0]?.text ?? '';
  imports = Object.values(result.metafile.outputs)[0]?.imports ?? [];
  dir = mkdtempSync(join(tmpdir(), 'guard-edge-'));
  const file = join(dir, 'worker.mjs');
  writeFileSync(file, bundle);
  worker = (await import(pathToFileURL(file).href)).default as Worker;
  stub = await StubGatehouse.start();
  env = { ISSUER: stub.issuer, AUDIENCE, INTROSPECTION_SECRET: SECRET };
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await stub?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const request = (headers: Record<string, string> = {}) =>
  new Request('https://notes.example/notes', { headers });

describe('the guard bundled for an edge runtime', () => {
  it('bundles with no Node built-in and leaves nothing to import', () => {
    expect(imports).toEqual([]);
    expect(bundle).not.toMatch(/["'`]node:[a-z_/]+["'`]/);
    expect(bundle).not.toMatch(/\brequire\(/);
    expect(bundle.length).toBeGreaterThan(10_000);
  });

  it('answers a request without credentials with 401 and a Bearer challenge', async () => {
    const response = await worker.fetch(request(), env);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="notes"/);
  });

  it('lets a valid access token through and refuses one without the scope (403)', async () => {
    const ok = await worker.fetch(request({ authorization: `Bearer ${await stub.mint()}` }), env);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ subject: 'user-1' });
    const token = await stub.mint({ scope: 'notes:write' });
    const forbidden = await worker.fetch(request({ authorization: `Bearer ${token}` }), env);
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });

  it('refuses an API key with a wrong checksum locally, without asking Gatehouse', async () => {
    const good = assembleApiKey('0123456789ABCDEF', 'a'.repeat(43)).raw;
    const typo = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`;
    const before = stub.log.length;
    const response = await worker.fetch(request({ 'x-api-key': typo }), env);
    expect(response.status).toBe(401);
    expect(stub.log.slice(before)).toEqual([]);
  });
});
