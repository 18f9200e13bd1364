import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue 17 #2: refusals are spelled in one place. `WWW-Authenticate` values and the
 * `application/problem+json` type are built by core's `problem-details.ts` only; the server's
 * `http/problem.ts` and the guard's `GuardError` apply what it builds. A route that sets the header
 * or the content type itself fails this scan.
 */
const ROOT = join(import.meta.dirname, '..', '..', '..');
const WRITER = 'packages/core/src/problem-details.ts';
/** A string literal (quoted or template) that names the header or the problem media type. */
const SPELLED = /(['"`])[^'"`]*?(www-authenticate|application\/problem\+json)[^'"`]*?\1/i;
/** Taking the header off (userinfo answered after the engine challenged) writes nothing. */
const REMOVAL = /\.remove(Header)?\(/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `file:line` of each place outside comments that spells a challenge or a problem itself. */
function spellings(file: string, text: string): string[] {
  return text.split('\n').flatMap((line, index) => {
    const code = line.trim();
    if (code.startsWith('*') || code.startsWith('//') || code.startsWith('/*')) return [];
    return SPELLED.test(code) && !REMOVAL.test(code) ? [`${file}:${index + 1}`] : [];
  });
}

describe('issue 17 #2: one writer for problems and challenges', () => {
  it('the scan sees a route that sets the header or builds a problem itself', () => {
    expect(spellings('route.ts', "reply.header('WWW-Authenticate', 'Bearer realm=\"x\"');")).toEqual([
      'route.ts:1',
    ]);
    expect(spellings('route.ts', "  .type('application/problem+json; charset=utf-8')")).toEqual([
      'route.ts:1',
    ]);
    expect(spellings('route.ts', ' * the `WWW-Authenticate` challenge')).toEqual([]);
    expect(spellings('route.ts', "ctx.remove('www-authenticate');")).toEqual([]);
  });

  it('no package source outside core/src/problem-details.ts spells either', () => {
    const packages = join(ROOT, 'packages');
    const found = readdirSync(packages).flatMap((name) => {
      const src = join(packages, name, 'src');
      try {
        return sources(src);
      } catch {
        return [];
      }
    });
    expect(found.length).toBeGreaterThan(100);
    const offenders = found
      .map((path) => relative(ROOT, path))
      .filter((file) => file !== WRITER)
      .flatMap((file) => spellings(file, readFileSync(join(ROOT, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
