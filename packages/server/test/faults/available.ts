import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { servicesRequired } from '@gatehouse/testkit';

/**
 * The fault suites run their own redis-server and PostgreSQL cluster. Without those binaries they
 * are skipped loudly — unless CI or GATEHOUSE_REQUIRE_SERVICES=1, where that is a failure.
 */
export function faultToolsAvailable(): boolean {
  const missing: string[] = [];
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    missing.push('redis-server');
  }
  const root = '/usr/lib/postgresql';
  const hasPostgres =
    existsSync(root) && readdirSync(root).some((major) => existsSync(`${root}/${major}/bin/initdb`));
  if (!hasPostgres) missing.push('PostgreSQL server binaries under /usr/lib/postgresql');
  if (missing.length === 0) return true;
  const message = `fault tests need ${missing.join(' and ')}`;
  if (servicesRequired)
    throw new Error(`${message} (services are required: CI or GATEHOUSE_REQUIRE_SERVICES=1)`);
  console.warn(
    `\n*** SKIPPING fault tests: ${message}; set GATEHOUSE_REQUIRE_SERVICES=1 to make this a failure ***\n`,
  );
  return false;
}
