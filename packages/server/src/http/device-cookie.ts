import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The device cookie (what it holds and when it is trusted: `DeviceCookies` in core). Like the
 * session cookie it is `__Host-` prefixed, Secure and HttpOnly; SameSite=Strict, because only our
 * own login form and same-site API clients need it, never a cross-site navigation. It lives long
 * (a year by default) and is replaced at every successful login.
 */
export const DEVICE_COOKIE = '__Host-gatehouse_device';

export function readDeviceCookie(request: FastifyRequest): string | undefined {
  return request.cookies[DEVICE_COOKIE];
}

export function setDeviceCookie(reply: FastifyReply, value: string, maxAgeSeconds: number): void {
  reply.setCookie(DEVICE_COOKIE, value, {
    path: '/',
    secure: true,
    httpOnly: true,
    sameSite: 'strict',
    maxAge: maxAgeSeconds,
  });
}
