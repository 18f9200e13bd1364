/**
 * Runs every benchmark in sequence, each in its own process (never two at once: they would share
 * the CPUs). `npm run bench`; the BENCH_* variables of bench/support.ts pass through.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BENCHMARKS = [
  'account.ts',
  'login.ts',
  'sessions-scale.ts',
  'guard-verify.ts',
  'notes-bearer.ts',
  'revocation-propagation.ts',
  'api-keys-guard.ts',
  'api-keys-server.ts',
  'authz-peers.ts',
  'authzen-http.ts',
  'oauth-token.ts',
  'oauth-flows.ts',
  'user-import.ts',
];

let failed = 0;
for (const name of BENCHMARKS) {
  const path = fileURLToPath(new URL(name, import.meta.url));
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--conditions=@gatehouse/source', '--import', 'tsx', path], {
      stdio: 'inherit',
    });
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal === null ? 1 : 128)));
  });
  if (code !== 0) {
    failed++;
    console.error(`bench/${name} failed (exit ${code})`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
