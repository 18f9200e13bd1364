import { errorCatalogue } from '@gatehouse/core';
import type { KoaContextWithOIDC } from 'oidc-provider';
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

/** Engine paths that answer GET only (POST authorization needs SameSite=None cookies: off). */
const GET_ONLY = new Set<string>([OAUTH_ROUTES.authorization, '/.well-known/openid-configuration']);

/**
 * Shapes what the engine answers where Gatehouse's contract is stricter than its defaults:
 * - no client authentication at all is a 401 `invalid_client` with a Basic challenge (RFC 6749
 *   §2.3.1, RFC 7662 §2.1), not a 400;
 * - a grant the client is not registered for is `unauthorized_client` (RFC 6749 §5.2);
 * - an unknown `response_mode` is `invalid_request` (RFC 6749 §4.1.2.1): the engine's
 *   `unsupported_response_mode` is no registered error code;
 * - an unmatched path or method is RFC 9457 problem+json (404, or 405 with Allow) like every
 *   other Gatehouse route, not the framework's plain-text page.
 */
export function shapeEngineResponses(ctx: KoaContextWithOIDC): undefined {
  if (ctx.status === 303 && ctx.oidc?.route === 'authorization') {
    registeredRedirectError(ctx);
    return;
  }
  const body = ctx.body as { error?: string; error_description?: string } | undefined;
  if (ctx.status === 400 && body?.error === 'invalid_request') {
    if (/no client authentication mechanism provided/.test(body.error_description ?? '')) {
      ctx.status = 401;
      ctx.set('www-authenticate', 'Basic realm="gatehouse"');
      ctx.body = { error: 'invalid_client', error_description: 'client authentication failed' };
    } else if (body.error_description === 'requested grant type is not allowed for this client') {
      ctx.body = { error: 'unauthorized_client', error_description: body.error_description };
    }
    return;
  }
  if (ctx.status !== 404 || ctx.body !== undefined) return;
  const path = ctx.path;
  const allow = GET_ONLY.has(path) ? 'GET, HEAD' : ENGINE_POST_ROUTES.has(path) ? 'POST, OPTIONS' : undefined;
  const code = allow === undefined ? 'not_found' : 'method_not_allowed';
  if (allow !== undefined) ctx.set('allow', allow);
  ctx.status = errorCatalogue[code].status;
  ctx.type = 'application/problem+json; charset=utf-8';
  ctx.body = JSON.stringify({
    type: `urn:gatehouse:error:${code}`,
    title: errorCatalogue[code].title,
    status: errorCatalogue[code].status,
  });
}
