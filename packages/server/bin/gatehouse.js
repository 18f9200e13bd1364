#!/usr/bin/env node
// The `gatehouse` command: runs the built CLI (packages/server/dist/cli, made by `npm run build`,
// which `npm ci` and `npm start` run). In a checkout with dev dependencies, sources changed since
// the last build are rebuilt first, so the command never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
const built = join(serverDir, 'dist/cli/gatehouse.js');
const packagesDir = join(serverDir, '..');

/** The newest modification time of the workspace packages' TypeScript sources. */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const name of readdirSync(packagesDir)) {
    const src = join(packagesDir, name, 'src');
    if (existsSync(src)) walk(src);
  }
  return newest;
}

const stale = !existsSync(built) || statSync(built).mtimeMs < newestSource();
const buildScript = join(serverDir, '../../scripts/build.mjs');
if (stale && existsSync(buildScript)) {
  try {
    await import(pathToFileURL(buildScript).href);
  } catch (error) {
    if (!existsSync(built)) throw error;
    process.stderr.write(`gatehouse: could not rebuild (${error.message}); running the last build\n`);
  }
}
if (!existsSync(built)) {
  process.stderr.write('gatehouse: not built yet: run `npm run build` in the repository\n');
  process.exit(1);
}
await import(pathToFileURL(built).href);
