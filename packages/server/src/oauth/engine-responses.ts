import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientChallenge, problemResponse } from '../http/problem.ts';
import { RESPONSE_MODES } from './client-metadata.ts';
import { ENGINE_POST_ROUTES, OAUTH_ROUTES } from './routes.ts';

/**
 * The engine answers an unknown `response_mode` by redirecting (in the default query mode, the
 * unknown one being unusable) with `error=unsupported_response_mode`; the same redirect says
 * `invalid_request` instead.
 */
function registeredRedirectError(ctx: KoaContextWithOIDC): void {
  const location = URL.parse(String(ctx.response.get('location')));
  if (location?.searchParams.get('error') !== 'unsupported_response_mode') return;
  location.searchParams.set('error', 'invalid_request');
  location.searchParams.set('error_description', 'unsupported response_mode requested');
  ctx.redirect(location.href);
  ctx.status = 303;
}

/** The methods of engine paths that are neither machine (POST-only) endpoints nor free-for-all. */
const ALLOWED = new Map<string, string>([
  // POST reaches the engine as GET (routes/oauth.ts); other methods end here.
  [OAUTH_ROUTES.authorization, 'GET, HEAD, POST'],
  ['/.well-known/openid-configuration', 'GET, HEAD'],
]);

/**
 * Shapes what the engine answers where Gatehouse's contract is stricter than its defaults:
 * - no client authentication at all is a 401 `invalid_client` with a Basic challenge (RFC 6749
 *   §2.3.1, RFC 7662 §2.1), not a 400;
 * - a grant the client is not registered for is `unauthorized_client` (RFC 6749 §5.2);
 * - an unknown `response_mode` is `invalid_request` (RFC 6749 §4.1.2.1): the engine's
 *   `unsupported_response_mode` is no registered error code;
 * - an empty `token` at introspection is a token that is not active (RFC 7662 §2.2), not a
 *   missing parameter (the engine reads an empty parameter as an absent one);
 * - discovery advertises the response modes clients are registered for (`RESPONSE_MODES`), not
 *   every mode the engine knows;
 * - an unmatched path or method is RFC 9457 problem+json (404, or 405 with Allow) like every
 *   other Gatehouse route, not the framework's plain-text page.
 */
export function shapeEngineResponses(ctx: KoaContextWithOIDC): undefined {
  const route = ctx.oidc?.route;
  if (ctx.status === 303 && route === 'authorization') {
    registeredRedirectError(ctx);
    return;
  }
  const body = ctx.body as { error?: string; error_description?: string } | undefined;
  if (ctx.status === 400 && body?.error === 'invalid_request') {
    if (/no client authentication mechanism provided/.test(body.error_description ?? '')) {
      ctx.status = 401;
      ctx.set(clientChallenge());
      ctx.body = { error: 'invalid_client', error_description: 'client authentication failed' };
    } else if (body.error_description === 'requested grant type is not allowed for this client') {
      ctx.body = { error: 'unauthorized_client', error_description: body.error_description };
    } else if (route === 'introspection' && emptyTokenOfAuthenticatedClient(ctx)) {
      ctx.status = 200;
      ctx.body = { active: false };
    }
    return;
  }
  if (ctx.status === 200 && route === 'discovery' && typeof ctx.body === 'object' && ctx.body !== null) {
    (ctx.body as { response_modes_supported?: string[] }).response_modes_supported = [...RESPONSE_MODES];
    return;
  }
  if (ctx.status !== 404 || ctx.body !== undefined) return;
  const path = ctx.path;
  const allow = ALLOWED.get(path) ?? (ENGINE_POST_ROUTES.has(path) ? 'POST, OPTIONS' : undefined);
  const code = allow === undefined ? 'not_found' : 'method_not_allowed';
  if (allow !== undefined) ctx.set('allow', allow);
  const problem = problemResponse(code, { noStore: false });
  ctx.status = problem.status;
  ctx.set(problem.headers);
  ctx.body = problem.body;
}

/** The engine refused `token=` as missing, after it had authenticated the client. */
function emptyTokenOfAuthenticatedClient(ctx: KoaContextWithOIDC): boolean {
  const description = (ctx.body as { error_description?: string }).error_description;
  return (
    description === "missing required parameter 'token'" &&
    ctx.oidc.client !== undefined &&
    (ctx.oidc.body as { token?: unknown } | undefined)?.token === ''
  );
}
