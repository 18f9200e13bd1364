// Builds each published workspace package's `src/` into `dist/`: JavaScript (esbuild) and `.d.ts`
// (TypeScript), file by file and without type-checking (that is `npm run typecheck`'s job): about
// three seconds of CPU for every package, nothing for a package whose sources have not changed
// since its last build. The declarations come from `isolatedDeclarations`: every export writes
// out its type, so each file's `.d.ts` is made from that file alone; a missing annotation fails
// the build with its file and line. Relative `./x.ts` imports become `./x.js` in both outputs.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The packages published to npm, in dependency order. The server is run from the repository. */
export const PUBLISHED_PACKAGES = ['core', 'guard', 'store-sql', 'store-redis', 'testkit'];

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

/** The declarations of `files`, written next to their JavaScript; returns the problems found. */
async function writeDeclarations(files, src, dist) {
  const { default: ts } = await import('typescript');
  const compilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    declaration: true,
    isolatedDeclarations: true,
    strict: true,
    exactOptionalPropertyTypes: true,
  };
  const problems = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const output = ts.transpileDeclaration(text, {
      fileName: file,
      compilerOptions,
      reportDiagnostics: true,
    });
    for (const diagnostic of output.diagnostics) {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      const at = diagnostic.file?.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const where = at === undefined ? '' : `:${at.line + 1}:${at.character + 1}`;
      problems.push(`${relative(process.cwd(), file)}${where} ${message}`);
    }
    const target = join(dist, relative(src, file)).replace(/\.ts$/, '.d.ts');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, rewriteDeclarationImports(output.outputText));
  }
  return problems;
}

/** Builds `packages/<name>/dist`; returns the problems found (empty when it built). */
async function buildPackage(packageDir, files) {
  const src = join(packageDir, 'src');
  const dist = join(packageDir, 'dist');
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
  return writeDeclarations(files, src, dist);
}

/**
 * The time of the newest input of a package's build: its sources and their folders (a deleted
 * file changes its folder's time), its manifest, this script.
 */
function newestInput(packageDir, files) {
  const src = join(packageDir, 'src');
  const folders = readdirSync(src, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(entry.parentPath, entry.name));
  const inputs = [
    ...files,
    src,
    ...folders,
    join(packageDir, 'package.json'),
    fileURLToPath(import.meta.url),
  ];
  return Math.max(...inputs.map((file) => statSync(file).mtimeMs));
}

/**
 * Builds every published package under `root` whose inputs changed since its last build (a stamp
 * per package in node_modules/.cache); throws with every problem found.
 */
export async function buildPackages(root) {
  const stamps = join(root, 'node_modules/.cache/gatehouse-build');
  const problems = [];
  for (const name of PUBLISHED_PACKAGES) {
    const packageDir = join(root, 'packages', name);
    const files = sourceFiles(join(packageDir, 'src'));
    const stamp = join(stamps, `${name}.stamp`);
    const built = existsSync(stamp) && existsSync(join(packageDir, 'dist')) ? statSync(stamp).mtimeMs : 0;
    if (built > newestInput(packageDir, files)) continue;
    rmSync(stamp, { force: true });
    const found = await buildPackage(packageDir, files);
    problems.push(...found);
    if (found.length === 0) {
      mkdirSync(stamps, { recursive: true });
      writeFileSync(stamp, '');
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `package build failed (write each export's type out: the .d.ts is made from its file alone):\n${problems.join('\n')}`,
    );
  }
}
