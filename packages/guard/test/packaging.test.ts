/**
 * Packaging: every entry of the `exports` map has the same shape (sources for the monorepo, dist/
 * for everyone else) and exists, and importing the core or any adapter never loads a framework at
 * run time (adapters import their framework's types only). The packed package is tested in
 * packages/core/test/published-packages.test.ts, the edge bundle in edge-runtime.test.ts.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>;
};

describe('@gatehouse/guard packaging', () => {
  it('has one entry per adapter, each pointing at a file', () => {
    expect(Object.keys(manifest.exports)).toEqual([
      '.',
      './fastify',
      './express',
      './hono',
      './fetch',
      './package.json',
    ]);
    for (const [entry, target] of Object.entries(manifest.exports)) {
      if (typeof target === 'string') {
        expect(entry).toBe('./package.json');
        continue;
      }
      // The sources under the monorepo's condition; the build (dist/, see scripts/build-packages.mjs) else.
      const source = target['@gatehouse/source'] ?? '';
      expect(existsSync(join(root, source))).toBe(true);
      const built = source.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '');
      expect(target).toEqual({ '@gatehouse/source': source, types: `${built}.d.ts`, import: `${built}.js` });
      expect(Object.keys(target)).toEqual(['@gatehouse/source', 'types', 'import']);
    }
  });

  it('importing the core and every adapter loads no framework', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'guard-imports-'));
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `export async function resolve(specifier, context, next) {
        if (/^(fastify|express|hono)(\\/|$)/.test(specifier)) throw new Error('framework loaded: ' + specifier);
        return next(specifier, context);
      }`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module'; register(${JSON.stringify(new URL(`file://${join(dir, 'hooks.mjs')}`).href)});`,
    );
    const script = `${Object.keys(manifest.exports)
      .filter((entry) => entry !== './package.json')
      .map((entry) => `await import('@gatehouse/guard${entry.slice(1)}');`)
      .join(' ')} console.log('ok');`;
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          '--conditions=@gatehouse/source',
          '--import',
          'tsx',
          '--import',
          join(dir, 'register.mjs'),
          '--input-type=module',
          '-e',
          script,
        ],
        { cwd: root, timeout: 30_000 },
        (error, stdout, stderr) =>
          error === null ? resolve(stdout) : reject(new Error(`${error.message}\n${stderr}`)),
      );
    });
    expect(output.trim()).toBe('ok');
  });
});
