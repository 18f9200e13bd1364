import Provider from 'oidc-provider';

type SecretMethod = 'client_secret_basic' | 'client_secret_post';

/**
 * How the current request presents its client secret, decided as the engine decides it: a
 * `client_secret` parameter is the body method (the engine refuses one beside an Authorization
 * header), anything else that reached the secret check is the Basic header. The engine accepts
 * either way whichever the client registered (RFC 6749 §2.3.1 leaves it to the server); Gatehouse
 * holds each client to its one registered way. The request comes from the engine's own
 * request context (`Provider.ctx`), so no second async-context store follows every request.
 * Undefined outside an engine request.
 */
export function presentedSecretMethod(): SecretMethod | undefined {
  const ctx = Provider.ctx;
  if (ctx === undefined) return undefined;
  return ctx.oidc?.params?.client_secret ? 'client_secret_post' : 'client_secret_basic';
}
