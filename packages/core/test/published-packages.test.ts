/**
 * What npm users get. Each published package is copied (sources, tests and all) to a temporary
 * directory and built there as `npm run build` builds it (scripts/build-packages.mjs), then:
 * - `npm pack --dry-run --json` lists dist JavaScript + `.d.ts`, README, LICENSE and package.json,
 *   never sources, tests or secrets, and every `exports` target is in it;
 * - the packed core and guard, installed beside jose alone, load on plain node (no tsx, no
 *   condition): `import('@gatehouse/guard')` and every adapter, and the fetch adapter answers;
 *   a TypeScript user's code compiles against their `.d.ts` (strict, without @types/node).
 */
import { execFile } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const PUBLISHED = ['core', 'guard', 'store-sql', 'store-redis', 'testkit'];
let dir: string;
const copy = (name: string) => join(dir, 'packages', name);

/** The environment of a plain `node`: none of the monorepo's `--conditions`. */
function plainEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _, ...env } = process.env;
  return env;
}

/** npm offline and quiet: packing needs no registry. */
const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_offline: 'true' };

/** `npm run build`'s package step, on the copies. */
async function buildCopies(): Promise<void> {
  const build = pathToFileURL(join(root, 'scripts/build-packages.mjs')).href;
  const script = `await (await import('${build}')).buildPackages(${JSON.stringify(dir)})`;
  await run(process.execPath, ['--input-type=module', '-e', script], { env: plainEnv() });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-published-'));
  for (const name of PUBLISHED) {
    cpSync(join(root, 'packages', name), copy(name), {
      recursive: true,
      filter: (path) => !/[/\\](node_modules|dist)$/.test(path),
    });
  }
  await buildCopies();
}, 120_000);
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

interface Manifest {
  private?: boolean;
  exports: Record<string, string | Record<string, string>>;
  files?: string[];
}

async function packedFiles(name: string): Promise<string[]> {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: copy(name),
    env: npmEnv,
  });
  const [report] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  return report.files.map((file) => file.path).sort();
}

describe('the published packages', () => {
  it.each(PUBLISHED)(
    '%s packs its build, types, README and LICENSE, and nothing else',
    async (name) => {
      const manifest = JSON.parse(readFileSync(join(copy(name), 'package.json'), 'utf8')) as Manifest;
      expect(manifest.private).toBeUndefined();
      const files = await packedFiles(name);
      expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
      for (const file of files) {
        expect(file).toMatch(/^(dist\/.+\.(js|d\.ts)|LICENSE|README\.md|package\.json)$/);
        expect(file).not.toMatch(/(^|\/)(src|test)\/|(^|\/)\.env|\.npmrc|\.pem$|\.key$|tsbuildinfo/i);
        expect(readFileSync(join(copy(name), file), 'utf8')).not.toMatch(
          /PRIVATE KEY-----|GATEHOUSE_SECRET=\S/,
        );
      }
      // Every JavaScript file has its declarations, and every `exports` target was packed.
      for (const js of files.filter((file) => file.endsWith('.js')))
        expect(files).toContain(js.replace(/\.js$/, '.d.ts'));
      for (const target of Object.values(manifest.exports)) {
        if (typeof target === 'string') continue;
        expect(files).toContain(target.types?.slice(2));
        expect(files).toContain(target.import?.slice(2));
      }
    },
    60_000,
  );

  it('the packed guard loads on plain node, with only jose beside it, and answers through fetch', async () => {
    const app = join(dir, 'app');
    const modules = join(app, 'node_modules');
    mkdirSync(join(modules, '@gatehouse'), { recursive: true });
    for (const name of ['core', 'guard']) {
      const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
        cwd: copy(name),
        env: npmEnv,
      });
      const [report] = JSON.parse(stdout) as [{ filename: string }];
      mkdirSync(join(modules, '@gatehouse', name));
      await run('tar', [
        '-xzf',
        join(dir, report.filename),
        '--strip-components=1',
        '-C',
        join(modules, '@gatehouse', name),
      ]);
    }
    symlinkSync(join(root, 'node_modules/jose'), join(modules, 'jose'));
    const script = `
      for (const entry of ['', '/fetch', '/express', '/fastify', '/hono']) await import('@gatehouse/guard' + entry);
      const { createGuard } = await import('@gatehouse/guard');
      const { withAuth } = await import('@gatehouse/guard/fetch');
      const { exportJWK, generateKeyPair } = await import('jose');
      const jwk = await exportJWK((await generateKeyPair('ES256')).publicKey);
      const jwks = { keys: [{ ...jwk, kid: 'k1', alg: 'ES256', use: 'sig' }] };
      const guard = createGuard({ issuer: 'https://auth.example', audience: 'https://api.example', jwks });
      const response = await withAuth(() => new Response('ok'), { guard })(new Request('https://api.example/notes'));
      console.log(response.status, response.headers.get('www-authenticate'));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: app,
      env: plainEnv(),
    });
    expect(stdout.trim()).toMatch(/^401 Bearer/);

    // Its types, as a TypeScript user compiles against them: no source condition, no @types/node.
    writeFileSync(
      join(app, 'consumer.ts'),
      `import { createGuard, type AuthContext, type GuardOptions } from '@gatehouse/guard';
      import { withAuth } from '@gatehouse/guard/fetch';
      const options: GuardOptions = { issuer: 'https://auth.example', audience: 'https://api.example' };
      const subject = (auth: AuthContext): string => auth.principal.subject;
      export const handler: (request: Request) => Promise<Response> = withAuth(
        (_request, auth) => Response.json({ sub: subject(auth) }),
        { guard: createGuard(options), scopes: ['notes:read'] },
      );
      // @ts-expect-error: scopes are strings
      withAuth(() => new Response(), { guard: createGuard(options), scopes: [1] });`,
    );
    const compilerOptions = {
      strict: true,
      exactOptionalPropertyTypes: true,
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      target: 'ES2022',
      lib: ['ES2023', 'DOM'],
      types: [],
      // As `tsc --init` writes it: the root entry re-exports fastifyGuard, whose declarations name
      // fastify (an optional peer), which this app does not install.
      skipLibCheck: true,
      noEmit: true,
    };
    writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const checked = await run(process.execPath, [tsc, '-p', join(app, 'tsconfig.json')], {
      env: plainEnv(),
    }).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    expect(checked).toBe('');
  }, 120_000);

  it('a rebuild skips packages whose sources did not change, and rebuilds one that did', async () => {
    const built = (name: string) => statSync(join(copy(name), 'dist/index.js')).mtimeMs;
    const before = { core: built('core'), testkit: built('testkit') };
    await buildCopies();
    expect({ core: built('core'), testkit: built('testkit') }).toEqual(before);
    appendFileSync(join(copy('testkit'), 'src/index.ts'), "export const rebuilt: string = 'yes';\n");
    await buildCopies();
    expect(built('core')).toBe(before.core);
    expect(readFileSync(join(copy('testkit'), 'dist/index.js'), 'utf8')).toContain('rebuilt');
    expect(readFileSync(join(copy('testkit'), 'dist/index.d.ts'), 'utf8')).toContain('rebuilt: string');
  }, 120_000);
});
