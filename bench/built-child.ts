/**
 * The benchmarks measure what `npm start` runs: each server child is bundled the way
 * scripts/build.mjs bundles the server (workspace packages from their sources, every other package
 * left to node_modules) and forked on plain node. Under `tsx` every function expression pays for
 * esbuild's `__name` wrapper at creation, so a closure made per request costs far more from the
 * sources than in the built server. BENCH_SOURCE=1 runs the sources instead (the earlier figures).
 */
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

export const FROM_SOURCE = process.env.BENCH_SOURCE === '1';

// Two levels below packages/server, like dist/cli: paths the server resolves from its own module
// (the bundled password list, templates) hold here too, and node_modules is found above it.
const outdir = fileURLToPath(new URL('../packages/server/dist/bench/', import.meta.url));

/** Bare imports other than the workspace's own stay imports of node_modules. */
const dependenciesExternal: Plugin = {
  name: 'dependencies-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@gatehouse/') ? undefined : { path: args.path, external: true },
    );
  },
};

const built = new Map<string, Promise<string>>();

/** The child script bundled to plain JavaScript (once per run); its path. */
export function builtChild(scriptPath: string): Promise<string> {
  let pending = built.get(scriptPath);
  if (pending === undefined) {
    pending = (async () => {
      mkdirSync(outdir, { recursive: true });
      const outfile = join(outdir, basename(scriptPath).replace(/\.ts$/, '.mjs'));
      await build({
        entryPoints: [scriptPath],
        outfile,
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node20.18',
        conditions: ['@gatehouse/source'],
        plugins: [dependenciesExternal],
        logLevel: 'warning',
      });
      return outfile;
    })();
    built.set(scriptPath, pending);
  }
  return pending;
}
