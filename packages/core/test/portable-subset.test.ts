/**
 * The portable subset of core: every `exports` subpath of @gatehouse/core except `.` is portable —
 * it and everything it imports use Web standards only, no `node:` module (nor a bare Node
 * built-in), so the guard runs on Workers, Deno, Bun and browsers. The guard imports nothing else
 * from core (the Biome rule refuses `@gatehouse/core` itself; this test, any non-portable subpath)
 * and no `node:` module either. edge-runtime.test.ts bundles the result for a platform without them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packages = fileURLToPath(new URL('../..', import.meta.url));
const core = join(packages, 'core');
const manifest = JSON.parse(readFileSync(join(core, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>;
};

/** `./permissions` → `packages/core/src/permissions.ts`, for every portable subpath. */
const portable = new Map(
  Object.entries(manifest.exports).flatMap(([entry, target]) =>
    entry === '.' || typeof target === 'string'
      ? []
      : [[entry, join(core, target['@gatehouse/source'] ?? '')]],
  ),
);

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s(?:[^'"`;]*?\sfrom\s*)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((match) => (match[1] ?? match[2]) as string);
}

/** Every module `entry` reaches through relative imports, with each bare specifier it imports. */
function graph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const bare: string[] = [];
    seen.set(file, bare);
    for (const specifier of specifiers(file)) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
      else bare.push(specifier);
    }
  };
  visit(entry);
  return seen;
}

const isNodeModule = (specifier: string) => specifier.startsWith('node:') || isBuiltin(specifier);

describe('the portable subset of core', () => {
  it('is every subpath but the root: the guard’s imports among them', () => {
    expect([...portable.keys()]).toEqual(
      expect.arrayContaining(['./permissions', './principal', './api-key-format', './cidr']),
    );
  });

  it.each([...portable.entries()])('%s reaches no node: module', (_entry, source) => {
    const offenders = [...graph(source)].flatMap(([file, bare]) =>
      bare.filter(isNodeModule).map((specifier) => `${relative(packages, file)} imports ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the guard imports only portable subpaths of core, and no node: module', () => {
    const guardSrc = join(packages, 'guard', 'src');
    const offenders: string[] = [];
    for (const name of readdirSync(guardSrc, { recursive: true }) as string[]) {
      if (!name.endsWith('.ts')) continue;
      for (const specifier of specifiers(join(guardSrc, name))) {
        const fromCore = /^@gatehouse\/core(\/.*)?$/.exec(specifier);
        const allowed = fromCore === null ? !isNodeModule(specifier) : portable.has(`.${fromCore[1] ?? ''}`);
        if (!allowed) offenders.push(`guard/src/${name} imports ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
