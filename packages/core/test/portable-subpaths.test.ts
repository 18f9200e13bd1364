import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue 17 #2: the guard runs on edge runtimes, so what it shares with the server — the credential
 * reader, the access-token verifier, the algorithm list, the revocation set, the problem writer —
 * lives in core modules that import no `node:` built-in, directly or through a relative import.
 */
const CORE = join(import.meta.dirname, '..');
const SHARED = [
  './authorization-header',
  './credential-reader',
  './access-token',
  './jws-algorithms',
  './revocation-set',
  './problem-details',
];
const IMPORT = /^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm;

/** `node:` specifiers reached from `file`, following relative imports. */
function nodeImports(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const found: string[] = [];
  for (const [, specifier] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    if (specifier === undefined) continue;
    if (specifier.startsWith('node:')) found.push(`${file}: ${specifier}`);
    else if (specifier.startsWith('.')) found.push(...nodeImports(resolve(dirname(file), specifier), seen));
  }
  return found;
}

describe('issue 17 #2: the modules the guard shares with the server are portable', () => {
  const exports = (
    JSON.parse(readFileSync(join(CORE, 'package.json'), 'utf8')) as {
      exports: Record<string, { '@gatehouse/source': string }>;
    }
  ).exports;

  it('the scan sees a node: import', () => {
    // The root entry (the whole domain) reaches node:crypto: the scan must see it.
    expect(nodeImports(join(CORE, exports['.']!['@gatehouse/source'])).length).toBeGreaterThan(0);
  });

  it.each(SHARED)('%s is a subpath of @gatehouse/core and imports no node: module', (subpath) => {
    const target = exports[subpath];
    expect(target).toBeDefined();
    expect(nodeImports(join(CORE, target!['@gatehouse/source']))).toEqual([]);
  });
});
