import { AsyncLocalStorage } from 'node:async_hooks';
import type { KoaContextWithOIDC } from 'oidc-provider';

type SecretMethod = 'client_secret_basic' | 'client_secret_post';

const presented = new AsyncLocalStorage<SecretMethod>();

/**
 * The engine accepts a client secret in the Basic header or in the body whichever way the client
 * registered (RFC 6749 §2.3.1 leaves it to the server). Gatehouse holds each client to its one
 * registered way: this middleware notes how the request could carry a secret — the engine refuses
 * a request that uses both — and `presentedSecretMethod` tells the secret check.
 */
export function rememberSecretTransport(
  ctx: KoaContextWithOIDC,
  next: () => Promise<unknown>,
): Promise<unknown> {
  if (ctx.method !== 'POST') return next();
  return presented.run(
    ctx.headers.authorization === undefined ? 'client_secret_post' : 'client_secret_basic',
    next,
  );
}

/** How the current request presents its client secret; undefined outside an engine POST. */
export function presentedSecretMethod(): SecretMethod | undefined {
  return presented.getStore();
}
