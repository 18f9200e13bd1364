import { timingSafeEqual } from 'node:crypto';
import { GatehouseError, hmacSha256, randomToken } from '@gatehouse/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LOGIN_CSRF_COOKIE } from './session-cookie.ts';

/**
 * CSRF defence in depth (OWASP CSRF cheat sheet):
 * 1. Fetch Metadata / Origin: an unsafe request a browser marks cross-site, or whose Origin is
 *    foreign or `null`, is refused before anything else.
 * 2. Tokens: every cookie-authenticated unsafe request carries a token bound to the session
 *    (HMAC of the session's storage key), in `X-CSRF-Token` or the form field `csrf`. The login form
 *    carries one bound to a pre-session cookie (login CSRF).
 * JSON endpoints also refuse "simple" content types (no text/plain parser is registered).
 */
export function checkFetchMetadata(request: FastifyRequest, issuerOrigin: string): void {
  const refuse = () => new GatehouseError('csrf_failed', { detail: 'Cross-site requests are not allowed.' });
  // Browsers that send Fetch Metadata are judged by it alone: it cannot be forged from a page,
  // and under `Referrer-Policy: no-referrer` they send `Origin: null` even for same-origin forms.
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return;
    throw refuse();
  }
  const origin = request.headers.origin;
  if (origin === undefined) return; // not a browser request: nothing ambient to abuse
  const ownOrigin = `${request.protocol}://${request.host}`;
  if (origin !== issuerOrigin && origin !== ownOrigin) throw refuse();
}

/** Sessions whose token one key's memo keeps; the oldest is dropped beyond it. */
const MEMO_MAX_SESSIONS = 10_000;
const memos = new WeakMap<Buffer, Map<string, string>>();

/**
 * The session's CSRF token under `key`. It never changes for a session, and `GET /account` hands
 * it out on every request, so it is computed once per session and key and remembered (bounded;
 * a key that is replaced takes its memo with it).
 */
export function sessionCsrfToken(key: Buffer, sessionIdHash: string): string {
  let memo = memos.get(key);
  if (memo === undefined) {
    memo = new Map();
    memos.set(key, memo);
  }
  let token = memo.get(sessionIdHash);
  if (token === undefined) {
    token = hmacSha256(key, `session:${sessionIdHash}`).toString('base64url');
    if (memo.size >= MEMO_MAX_SESSIONS) memo.delete(memo.keys().next().value as string);
    memo.set(sessionIdHash, token);
  }
  return token;
}

function loginCsrfToken(key: Buffer, nonce: string): string {
  return hmacSha256(key, `login:${nonce}`).toString('base64url');
}

function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const body = request.body as { csrf?: unknown } | undefined;
  return typeof body?.csrf === 'string' ? body.csrf : undefined;
}

function equalTokens(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Tokens are issued under the current key and accepted under any of `keys` (the current master
 * secret's, then the previous ones'): pages and clients that fetched a token before a change of
 * secret keep working. Every key is tried, so the time taken does not tell which one matched.
 */
function anyKeyMatches(keys: Buffer | readonly Buffer[], token: string, expected: (key: Buffer) => string) {
  let matched = false;
  for (const key of Buffer.isBuffer(keys) ? [keys] : keys)
    matched = equalTokens(token, expected(key)) || matched;
  return matched;
}

export function checkSessionCsrf(
  request: FastifyRequest,
  keys: Buffer | readonly Buffer[],
  sessionIdHash: string,
): void {
  const token = presentedToken(request);
  if (token === undefined || !anyKeyMatches(keys, token, (key) => sessionCsrfToken(key, sessionIdHash))) {
    throw new GatehouseError('csrf_failed', { detail: 'Missing or invalid CSRF token.' });
  }
}

/** Issues (or reuses) the login form's pre-session nonce cookie and returns the form token. */
export function loginFormToken(request: FastifyRequest, reply: FastifyReply, key: Buffer): string {
  let nonce = request.cookies[LOGIN_CSRF_COOKIE];
  if (nonce === undefined || !/^[A-Za-z0-9_-]{43}$/.test(nonce)) {
    nonce = randomToken(32);
    reply.setCookie(LOGIN_CSRF_COOKIE, nonce, { path: '/', secure: true, httpOnly: true, sameSite: 'lax' });
  }
  return loginCsrfToken(key, nonce);
}

export function checkLoginCsrf(request: FastifyRequest, keys: Buffer | readonly Buffer[]): void {
  const nonce = request.cookies[LOGIN_CSRF_COOKIE];
  const token = presentedToken(request);
  if (
    nonce === undefined ||
    token === undefined ||
    !anyKeyMatches(keys, token, (key) => loginCsrfToken(key, nonce))
  ) {
    throw new GatehouseError('csrf_failed', {
      detail: 'The login form expired. Reload the page and try again.',
    });
  }
}
