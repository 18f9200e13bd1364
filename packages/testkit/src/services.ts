import { connect, type Socket } from 'node:net';

/**
 * Store tests need PostgreSQL and Redis. Locally they are skipped (loudly) when a service is down;
 * in CI, or with GATEHOUSE_REQUIRE_SERVICES=1, a missing service fails the run instead, so a broken
 * service container can never turn the store suites into silent no-ops.
 */
export const servicesRequired: boolean =
  process.env.CI === 'true' || process.env.CI === '1' || process.env.GATEHOUSE_REQUIRE_SERVICES === '1';

export const defaultPostgresUrl = 'postgres://postgres@127.0.0.1:5432/test';
export const defaultRedisUrl = 'redis://127.0.0.1:6379';

const PROBE_TIMEOUT_MS = 2000;

/** The PostgreSQL test URL when the server answers, else undefined (or a throw when services are required). */
export async function postgresUrlOrSkip(): Promise<string | undefined> {
  const url = process.env.GATEHOUSE_TEST_DATABASE_URL ?? defaultPostgresUrl;
  // An SSLRequest packet: any PostgreSQL server answers it with a single 'S' or 'N' byte.
  const sslRequest = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
  const ok = (reply: Buffer) => reply[0] === 0x53 || reply[0] === 0x4e;
  return gate('PostgreSQL', 'GATEHOUSE_TEST_DATABASE_URL', url, 5432, sslRequest, ok);
}

/** The Redis test URL when the server answers, else undefined (or a throw when services are required). */
export async function redisUrlOrSkip(): Promise<string | undefined> {
  const url = process.env.GATEHOUSE_TEST_REDIS_URL ?? defaultRedisUrl;
  // Any RESP reply will do: '+PONG', or '-NOAUTH' from a server that wants a password.
  const ok = (reply: Buffer) => reply[0] === 0x2b || reply[0] === 0x2d;
  return gate('Redis', 'GATEHOUSE_TEST_REDIS_URL', url, 6379, Buffer.from('PING\r\n'), ok);
}

async function gate(
  service: string,
  variable: string,
  url: string,
  defaultPort: number,
  probe: Buffer,
  ok: (reply: Buffer) => boolean,
): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const problem = await check(host, Number(port || defaultPort), probe, ok);
  if (problem === undefined) return url;
  const message = `${service} is not reachable at ${host}:${port || defaultPort} (${problem})`;
  if (servicesRequired) {
    throw new Error(
      `${message}. Services are required (CI or GATEHOUSE_REQUIRE_SERVICES=1); set ${variable}.`,
    );
  }
  console.warn(
    `\n*** SKIPPING ${service} tests: ${message}. Set ${variable} to point at one, ` +
      'or set GATEHOUSE_REQUIRE_SERVICES=1 to make this a failure ***\n',
  );
  return undefined;
}

/** Returns undefined when the service answered as expected, else what went wrong. */
function check(
  host: string,
  port: number,
  probe: Buffer,
  ok: (reply: Buffer) => boolean,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ host, port });
    const finish = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => finish('timed out'));
    socket.once('error', (error) => finish(error.message));
    socket.once('connect', () => socket.write(probe));
    socket.once('data', (reply) => finish(ok(reply) ? undefined : 'unexpected reply'));
    socket.once('close', () => finish('connection closed'));
  });
}
