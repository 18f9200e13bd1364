/**
 * Decides whether an error means "a store did not answer" (Redis or PostgreSQL down, stalled,
 * refusing or timing out) rather than a bug. Such errors become `unavailable` (503, Retry-After)
 * at the edge instead of a 500 with a stack. Only driver and socket failures count: a constraint
 * violation or a syntax error stays a 500.
 */
/** The SQL database (PostgreSQL or SQLite) and Redis. */
export type StoreName = 'database' | 'redis';

/** Socket errors from Node for a peer that is gone or unreachable. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/**
 * PostgreSQL SQLSTATEs of a server that is unreachable, shutting down, not accepting connections
 * or cancelled our statement (statement_timeout): class 08 (connection exception), 57014
 * (query_canceled), 57P01–57P03 (admin/crash shutdown, cannot connect now), 53300 (too many
 * connections).
 */
const PG_STATES = /^(08...|57014|57P0[1-3]|53300)$/;

/** Messages of pg/pg-pool and ioredis for the same conditions (they carry no code). */
const DRIVER_MESSAGES = [
  /^Connection terminated/, // pg: the server went away mid-query or while connecting
  /^timeout exceeded when trying to connect/, // pg-pool: connectionTimeoutMillis
  /^Query read timeout/, // pg: query_timeout
  /^Client has encountered a connection error and is not queryable/, // pg
  /^Connection is closed/, // ioredis
  /^Command timed out/, // ioredis: commandTimeout
  /^Stream isn't writeable and enableOfflineQueue options is false/, // ioredis: not connected
  /^Reached the max retries per request limit/, // ioredis: MaxRetriesPerRequestError
  /^LOADING /, // Redis is loading its dataset after a restart
  /^store timed out/, // our own round-trip timeouts (readiness)
];

export function isStoreFailure(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || PG_STATES.test(code))) return true;
  if (typeof message === 'string' && DRIVER_MESSAGES.some((pattern) => pattern.test(message))) return true;
  if (error instanceof AggregateError && error.errors.some((e) => isStoreFailure(e, depth + 1))) return true;
  return isStoreFailure(cause, depth + 1);
}
