import type { KoaContextWithOIDC } from 'oidc-provider';
import { isStoreFailure } from '../stores/store-failure.ts';

/** Contexts whose `server_error` was a store that did not answer (set by the engine's event). */
const storeFailures = new WeakSet<object>();

/** The engine's `server_error` event: true (and the context marked) when a store did not answer. */
export function markStoreFailure(ctx: object, error: unknown): boolean {
  if (!isStoreFailure(error)) return false;
  storeFailures.add(ctx);
  return true;
}

/**
 * The engine answers every internal error with `500 server_error`; a store that did not answer is
 * `503 temporarily_unavailable` with Retry-After instead, as on every other Gatehouse route.
 */
export function storeFailureAnswers(ctx: KoaContextWithOIDC): undefined {
  if (ctx.status !== 500 || !storeFailures.has(ctx)) return;
  ctx.status = 503;
  ctx.set('retry-after', '2');
  ctx.body = {
    error: 'temporarily_unavailable',
    error_description: 'A backing store is not answering; try again shortly.',
  };
}
