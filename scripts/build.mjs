// Builds the published packages (packages/<name>/dist: JavaScript and .d.ts, see
// build-packages.mjs) and what `npm start` and `npx gatehouse` run: the server and CLI as plain
// JavaScript (packages/server/dist/cli/), so a process starts without compiling TypeScript. The workspace
// packages (@gatehouse/*, TypeScript sources) are bundled in; every other dependency stays an
// import of node_modules, as installed by `npm ci`. Lazy imports (the OAuth engine, each command's
// modules) stay lazy: they become chunks loaded on first use.
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildPackages } from './build-packages.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'packages/server/dist/cli');

/** Every non-workspace dependency of the workspace packages: left to node_modules. */
function externalDependencies() {
  const names = new Set();
  for (const dir of ['packages', 'examples']) {
    for (const entry of readdirSync(join(root, dir))) {
      const manifest = join(root, dir, entry, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
      for (const name of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }))
        if (!name.startsWith('@gatehouse/')) names.add(name);
    }
  }
  return [...names];
}

await buildPackages(root);
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { gatehouse: join(root, 'packages/server/src/bin.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  // Bundle the workspace packages from their sources (see their `exports`), not from dist/.
  conditions: ['@gatehouse/source'],
  sourcemap: 'linked',
  external: externalDependencies(),
  logLevel: 'warning',
});
// Plain node must read the output as ES modules whatever the nearest package.json says.
writeFileSync(join(outdir, 'package.json'), '{ "type": "module" }\n');
// The source runs under tsx; the built entry runs on plain node.
const entry = join(outdir, 'gatehouse.js');
writeFileSync(entry, readFileSync(entry, 'utf8').replace(/^#!.*\n/, '#!/usr/bin/env node\n'));
chmodSync(entry, 0o755);
