// Builds each publishable workspace package's `src/` into `dist/`: JavaScript (esbuild) and `.d.ts`
// (TypeScript), file by file, without type-checking (that is `npm run typecheck`'s job), so a build of every package
// takes a second or two. The declarations come from `isolatedDeclarations`: every export carries
// its type, so each file's `.d.ts` is written from that file alone; a missing annotation fails
// the build with the file and line. Relative `./x.ts` imports become `./x.js` in both outputs.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import ts from 'typescript';

/** The packages published to npm, in dependency order. The server is run from the repository. */
export const PUBLISHED_PACKAGES = ['core', 'guard', 'store-sql', 'store-redis', 'testkit'];

const declarationOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  declaration: true,
  isolatedDeclarations: true,
  strict: true,
  exactOptionalPropertyTypes: true,
};

/** Every import stays an import; a relative `./x.ts` one now names the built `./x.js`. */
const keepImports = {
  name: 'keep-imports',
  setup(builder) {
    builder.onResolve({ filter: /.*/ }, (args) =>
      args.kind === 'entry-point'
        ? undefined
        : { path: args.path.replace(/^(\.{1,2}\/.*)\.ts$/, '$1.js'), external: true },
    );
  },
};

/** `./x.ts` → `./x.js` in a declaration file. */
const rewriteDeclarationImports = (text) =>
  text.replace(/((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1$2.js$3');

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Builds `packages/<name>/dist`; returns the problems found (empty when it built). */
async function buildPackage(packageDir) {
  const src = join(packageDir, 'src');
  const dist = join(packageDir, 'dist');
  const files = sourceFiles(src);
  const problems = [];
  rmSync(dist, { recursive: true, force: true });
  await build({
    entryPoints: files,
    outdir: dist,
    outbase: src,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    plugins: [keepImports],
    logLevel: 'warning',
  });
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const target = join(dist, relative(src, file)).replace(/\.ts$/, '');
    const dts = ts.transpileDeclaration(text, {
      fileName: file,
      compilerOptions: declarationOptions,
      reportDiagnostics: true,
    });
    for (const diagnostic of dts.diagnostics) {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      const at = diagnostic.file?.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const where = at === undefined ? '' : `:${at.line + 1}:${at.character + 1}`;
      problems.push(`${relative(process.cwd(), file)}${where} ${message}`);
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(`${target}.d.ts`, rewriteDeclarationImports(dts.outputText));
  }
  return problems;
}

/** Builds every published package; throws with every problem found. */
export async function buildPackages(root) {
  const problems = [];
  for (const name of PUBLISHED_PACKAGES) problems.push(...(await buildPackage(join(root, 'packages', name))));
  if (problems.length > 0) {
    throw new Error(
      `package build failed (write each export's type out: the .d.ts is made from its file alone):\n${problems.join('\n')}`,
    );
  }
}
