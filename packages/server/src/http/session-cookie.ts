import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The session cookie: `__Host-` prefixed (so no Domain, Path=/ and Secure are enforced by the
 * browser), HttpOnly, SameSite=Lax. Its Max-Age never outlives the session's absolute expiry.
 * Browsers accept Secure cookies from http://localhost, so development needs no TLS.
 */
export const SESSION_COOKIE = '__Host-gatehouse_session';
export const LOGIN_CSRF_COOKIE = '__Host-gatehouse_login';

export function readSessionToken(request: FastifyRequest): string | undefined {
  return request.cookies[SESSION_COOKIE];
}

export function setSessionCookie(
  reply: FastifyReply,
  token: string,
  absoluteExpiresAt: number,
  now: number,
): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'lax',
    maxAge: Math.max(0, Math.floor((absoluteExpiresAt - now) / 1000)),
  });
}

const CLEARED = { path: '/', secure: true, httpOnly: true, sameSite: 'lax', maxAge: 0 } as const;

export function clearSessionCookie(reply: FastifyReply): void {
  reply.setCookie(SESSION_COOKIE, '', CLEARED);
}

/** The same clearing as a Set-Cookie value, for responses Fastify does not write (the OAuth engine's). */
export function clearedSessionCookieHeader(): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`;
}
