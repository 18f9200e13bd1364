import type { CookiesSetOptions, KoaContextWithOIDC } from 'oidc-provider';

/**
 * Saves the engine session behind a re-rendered device-code form, when nothing else will.
 *
 * After an error on the code-entry routes (a missing or stale form secret, an unknown code) the
 * engine's error handler renders the form again with a fresh anti-forgery secret in the session —
 * but only after its session middleware has finished. A visitor without a session cookie then has
 * a new session nobody saved, and the engine's last step refuses to persist it: a 500 instead of
 * the form. (A stale cookie is not affected: the middleware saves the session that replaces it.)
 * Saving it here, with its cookie, as the session middleware would, gives the visitor the form back
 * with a secret the next submission can match.
 */
export async function saveSessionForReRenderedForm(
  ctx: KoaContextWithOIDC,
  cookieOptions: CookiesSetOptions,
  ttlSeconds: number,
): Promise<void> {
  const session = ctx.oidc.session;
  // A persisted session has an expiry; the engine's last step saves it again itself.
  if (session === undefined || typeof session.exp === 'number') return;
  await session.save(ttlSeconds);
  // `expires` is Koa's cookie option; the engine's types list only the attributes it sets itself.
  const persistent = { ...cookieOptions, expires: new Date(session.exp * 1000) };
  ctx.oidc.cookies.set(ctx.oidc.provider.cookieName('session'), session.jti, persistent);
}
