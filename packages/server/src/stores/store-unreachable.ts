import type { StoreName } from './store-failure.ts';

/**
 * A store could not be reached at start. The CLI exits with its own code (5) and the message
 * names the store and its address — never the credentials in its URL.
 */
export class StoreUnreachableError extends Error {
  constructor(
    readonly store: StoreName,
    readonly address: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`Cannot reach ${store === 'database' ? 'the database' : 'Redis'} at ${address}: ${reason}`, {
      cause,
    });
    this.name = 'StoreUnreachableError';
  }
}

/** `host:port/path` of a store URL, without user or password. */
export function storeAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}${parsed.port === '' ? '' : `:${parsed.port}`}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}
