import { AsyncLocalStorage } from 'node:async_hooks';
import type { KoaContextWithOIDC } from 'oidc-provider';

type SecretMethod = 'client_secret_basic' | 'client_secret_post';

const requests = new AsyncLocalStorage<KoaContextWithOIDC>();

/**
 * The engine accepts a client secret in the Basic header or in the body whichever way the client
 * registered (RFC 6749 §2.3.1 leaves it to the server). Gatehouse holds each client to its one
 * registered way: this middleware keeps the request in reach of the secret check, and
 * `presentedSecretMethod` tells it how the secret came.
 */
export function rememberSecretTransport(
  ctx: KoaContextWithOIDC,
  next: () => Promise<unknown>,
): Promise<unknown> {
  if (ctx.method !== 'POST') return next();
  return requests.run(ctx, next);
}

/**
 * How the current request presents its client secret, decided as the engine decides it: a
 * `client_secret` parameter is the body method (the engine refuses one beside an Authorization
 * header), anything else that reached the secret check is the Basic header. Undefined outside an
 * engine POST.
 */
export function presentedSecretMethod(): SecretMethod | undefined {
  const ctx = requests.getStore();
  if (ctx === undefined) return undefined;
  return ctx.oidc?.params?.client_secret ? 'client_secret_post' : 'client_secret_basic';
}
