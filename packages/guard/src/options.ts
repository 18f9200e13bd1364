import { VERIFICATION_ALGORITHMS } from '@gatehouse/core/jws-algorithms';
import type { JSONWebKeySet } from 'jose';
import type { GuardEvent } from './events.ts';

export const DEFAULT_SESSION_COOKIE = '__Host-gatehouse_session';

/** Asymmetric JWS algorithms the guard can be told to accept (core's one list). `none` and HS* never are. */
export const SUPPORTED_ALGORITHMS: typeof VERIFICATION_ALGORITHMS = VERIFICATION_ALGORITHMS;

/**
 * Options of `createGuard`. Bearer tokens are accepted when `issuer` is set; session cookies when
 * `introspectionSecret` is set (with `gatehouseUrl`, which defaults to the issuer). Validated once,
 * at construction: unknown keys and unsafe values throw `GuardOptionsError`.
 */
export interface GuardOptions {
  /** Expected `iss` of access tokens, compared exactly. Setting it enables `Authorization: Bearer`. */
  issuer?: string | undefined;
  /** This resource server's identifier(s); the token's `aud` must contain one. Required with `issuer`. */
  audience?: string | readonly string[] | undefined;
  /** Accepted JWS algorithms, from configuration only, never from the token. Default `['ES256']`. */
  algorithms?: readonly string[] | undefined;
  /** Where the issuer publishes its keys. Default `${issuer}/.well-known/jwks.json`. */
  jwksUri?: string | undefined;
  /** A local public key set instead of `jwksUri` (tests, offline). */
  jwks?: JSONWebKeySet | undefined;
  /** Accepted clock skew in seconds for `exp`, `nbf` and `iat`. Default 30, at most 300. */
  clockTolerance?: number | undefined;
  /** Longest accepted token lifetime (`exp − iat`) in seconds. Default 900 + `clockTolerance`. */
  maxTokenLifetime?: number | undefined;
  /** Size of the verified-token cache (entries live until the token's `exp`); 0 turns it off. Default 10 000. */
  tokenCacheMaxEntries?: number | undefined;
  /** `realm` of the `WWW-Authenticate` challenges. Default `gatehouse`. */
  realm?: string | undefined;
  /** Let session-cookie principals pass `requireScopes` (sessions carry no scopes). Default false. */
  sessionsHaveAllScopes?: boolean | undefined;

  /** Gatehouse's base URL, e.g. https://auth.example.com. Default: `issuer`. */
  gatehouseUrl?: string | undefined;
  /** The resource-server secret configured on Gatehouse as GATEHOUSE_INTROSPECTION_SECRET (32+ chars). */
  introspectionSecret?: string | undefined;
  /**
   * Mirror Gatehouse's revocation feed (needs `introspectionSecret`). Default: on when both Bearer
   * tokens and the secret are configured. Off means revoked tokens stay valid until `exp`.
   */
  revocationFeed?: boolean | undefined;
  /**
   * With the feed on, refuse Bearer tokens (503) once the feed has not been heard from for this
   * long, and before its first catch-up. Default 60 000 ms; `Infinity` keeps accepting.
   */
  revocationFeedMaxStalenessMs?: number | undefined;
  /**
   * What a stale feed (past `revocationFeedMaxStalenessMs`) means for Bearer tokens: `closed`
   * (default) refuses them with 503; `open` accepts them against the revocations known at the last
   * sync. Either way the guard says so once through `onEvent` (`revocation_feed.stale`).
   */
  revocationFeedFailure?: 'closed' | 'open' | undefined;
  /** How long a session or permission answer is reused: the bound on how stale it can look. Default 1000 ms. */
  cacheTtlMs?: number | undefined;
  cacheMaxEntries?: number | undefined;
  /** Give up on Gatehouse after this long and refuse the request (503). Default 2000 ms. */
  timeoutMs?: number | undefined;

  /**
   * Accept API keys (`X-API-Key`, or `Authorization: Bearer gatehouse_…`); needs
   * `introspectionSecret`. Default false: a resource server accepts only the credentials it asks for.
   */
  apiKeys?: boolean | undefined;
  /** How long a verified key is reused before asking Gatehouse again (revocations arrive sooner, through the feed). Default 60 000 ms, at most 600 000. */
  apiKeyCacheTtlMs?: number | undefined;
  /** Failed keys allowed per client address per minute before 429. Default 20. */
  apiKeyFailuresPerMinute?: number | undefined;

  /** Name of Gatehouse's session cookie. Default `__Host-gatehouse_session`. */
  sessionCookie?: string | undefined;
  /**
   * Origins allowed to send cookie-authenticated unsafe requests (CSRF defence). Requests a browser
   * marks cross-site, or with another Origin, are refused. Default: same-origin only.
   */
  allowedOrigins?: readonly string[] | undefined;

  fetch?: typeof fetch | undefined;
  /** Clock in ms since the epoch (tests). */
  now?: (() => number) | undefined;
  /** Receives the guard's events (feed connected, disconnected, configuration warnings). */
  onEvent?: ((event: GuardEvent) => void) | undefined;
}

export interface BearerSettings {
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly algorithms: readonly string[];
  readonly keys: { readonly jwksUri: URL } | { readonly jwks: JSONWebKeySet };
  readonly clockTolerance: number;
  readonly maxTokenLifetime: number;
  readonly tokenCacheMaxEntries: number;
}

export interface ResolvedOptions {
  readonly bearer: BearerSettings | undefined;
  /** Gatehouse's endpoints are reachable (URL + secret): sessions, permissions, feed. */
  readonly gatehouse: { readonly url: string; readonly secret: string } | undefined;
  readonly revocationFeed: boolean;
  readonly maxStalenessMs: number;
  readonly feedFailure: 'closed' | 'open';
  readonly cacheTtlMs: number;
  readonly cacheMaxEntries: number;
  readonly timeoutMs: number;
  readonly sessionCookie: string;
  readonly allowedOrigins: readonly string[];
  readonly realm: string;
  readonly sessionsHaveAllScopes: boolean;
  readonly apiKeys: boolean;
  readonly apiKeyCacheTtlMs: number;
  readonly apiKeyFailuresPerMinute: number;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly onEvent: (event: GuardEvent) => void;
  readonly warnings: readonly string[];
}

/** Thrown by `createGuard` for unusable options; lists every problem at once. */
export class GuardOptionsError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid guard options:\n- ${problems.join('\n- ')}`);
    this.name = 'GuardOptionsError';
    this.problems = problems;
  }
}

const KNOWN = new Set<string>([
  'issuer',
  'audience',
  'algorithms',
  'jwksUri',
  'jwks',
  'clockTolerance',
  'maxTokenLifetime',
  'tokenCacheMaxEntries',
  'realm',
  'sessionsHaveAllScopes',
  'gatehouseUrl',
  'introspectionSecret',
  'revocationFeed',
  'revocationFeedMaxStalenessMs',
  'revocationFeedFailure',
  'cacheTtlMs',
  'cacheMaxEntries',
  'timeoutMs',
  'sessionCookie',
  'allowedOrigins',
  'apiKeys',
  'apiKeyCacheTtlMs',
  'apiKeyFailuresPerMinute',
  'fetch',
  'now',
  'onEvent',
]);
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REALM = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,128}$/;

/** Validates `options` once and returns the frozen settings the guard runs on. */
export function resolveOptions(options: GuardOptions): ResolvedOptions {
  const problems: string[] = [];
  const warnings: string[] = [];
  const problem = (text: string) => problems.push(text);
  if (typeof options !== 'object' || options === null)
    throw new GuardOptionsError(['options must be an object']);
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) problem(`unknown option "${key}"`);

  const issuer = optionalString(options.issuer, 'issuer', problem);
  if (issuer !== undefined) checkUrl(issuer, 'issuer', problem, warnings);
  const gatehouseUrl = optionalString(options.gatehouseUrl, 'gatehouseUrl', problem) ?? issuer;
  if (options.gatehouseUrl !== undefined && gatehouseUrl !== undefined)
    checkUrl(gatehouseUrl, 'gatehouseUrl', problem, warnings);
  const secret = optionalString(options.introspectionSecret, 'introspectionSecret', problem);
  if (secret !== undefined && secret.length < 32)
    problem('introspectionSecret must be at least 32 characters');
  if (secret !== undefined && gatehouseUrl === undefined)
    problem('introspectionSecret needs gatehouseUrl (or issuer)');
  if (issuer === undefined && secret === undefined)
    problem('set issuer (Bearer tokens) and/or gatehouseUrl + introspectionSecret (session cookies)');

  const clockTolerance = number(options.clockTolerance, 'clockTolerance', 30, 0, 300, problem);
  const bearer = issuer === undefined ? undefined : bearerSettings(options, issuer, clockTolerance, problem);
  if (issuer === undefined) {
    for (const key of ['audience', 'algorithms', 'jwksUri', 'jwks', 'maxTokenLifetime'] as const)
      if (options[key] !== undefined) problem(`${key} needs issuer`);
  }

  const gatehouse =
    secret !== undefined && gatehouseUrl !== undefined ? { url: gatehouseUrl, secret } : undefined;
  const apiKeys = options.apiKeys ?? false;
  if (typeof apiKeys !== 'boolean') problem('apiKeys must be a boolean');
  if (apiKeys === true && gatehouse === undefined) problem('apiKeys needs introspectionSecret');
  const revocationFeed =
    options.revocationFeed ?? ((bearer !== undefined || apiKeys === true) && gatehouse !== undefined);
  if (typeof revocationFeed !== 'boolean') problem('revocationFeed must be a boolean');
  if (revocationFeed === true && gatehouse === undefined) problem('revocationFeed needs introspectionSecret');
  if (bearer !== undefined && revocationFeed !== true)
    warnings.push('Bearer tokens without the revocation feed: revoked tokens stay valid until they expire');
  if (apiKeys === true && revocationFeed !== true)
    warnings.push('API keys without the revocation feed: a revoked key stays valid up to apiKeyCacheTtlMs');

  const realm = options.realm ?? 'gatehouse';
  if (typeof realm !== 'string' || !REALM.test(realm))
    problem('realm must be 1–128 printable characters without " or \\');
  const sessionCookie = options.sessionCookie ?? DEFAULT_SESSION_COOKIE;
  if (typeof sessionCookie !== 'string' || !COOKIE_NAME.test(sessionCookie))
    problem('sessionCookie is not a cookie name');
  const allowedOrigins = [...(options.allowedOrigins ?? [])];
  for (const origin of allowedOrigins)
    if (!isOrigin(origin)) problem(`allowedOrigins: "${origin}" is not an origin`);
  for (const key of ['fetch', 'now', 'onEvent'] as const)
    if (options[key] !== undefined && typeof options[key] !== 'function')
      problem(`${key} must be a function`);
  if (options.sessionsHaveAllScopes !== undefined && typeof options.sessionsHaveAllScopes !== 'boolean')
    problem('sessionsHaveAllScopes must be a boolean');
  const feedFailure = options.revocationFeedFailure ?? 'closed';
  if (feedFailure !== 'closed' && feedFailure !== 'open')
    problem('revocationFeedFailure must be "closed" or "open"');

  const resolved: ResolvedOptions = {
    bearer,
    gatehouse,
    revocationFeed: revocationFeed === true,
    maxStalenessMs: number(
      options.revocationFeedMaxStalenessMs,
      'revocationFeedMaxStalenessMs',
      60_000,
      1000,
      Number.POSITIVE_INFINITY,
      problem,
    ),
    feedFailure,
    cacheTtlMs: number(options.cacheTtlMs, 'cacheTtlMs', 1000, 0, 300_000, problem),
    cacheMaxEntries: integer(options.cacheMaxEntries, 'cacheMaxEntries', 10_000, 0, 10_000_000, problem),
    timeoutMs: integer(options.timeoutMs, 'timeoutMs', 2000, 1, 60_000, problem),
    sessionCookie,
    allowedOrigins,
    realm,
    sessionsHaveAllScopes: options.sessionsHaveAllScopes === true,
    apiKeys: apiKeys === true,
    apiKeyCacheTtlMs: number(options.apiKeyCacheTtlMs, 'apiKeyCacheTtlMs', 60_000, 0, 600_000, problem),
    apiKeyFailuresPerMinute: integer(
      options.apiKeyFailuresPerMinute,
      'apiKeyFailuresPerMinute',
      20,
      1,
      1_000_000,
      problem,
    ),
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    now: options.now ?? Date.now,
    onEvent: options.onEvent ?? (() => {}),
    warnings,
  };
  if (problems.length > 0) throw new GuardOptionsError(problems);
  return Object.freeze(resolved);
}

function bearerSettings(
  options: GuardOptions,
  issuer: string,
  clockTolerance: number,
  problem: (text: string) => void,
): BearerSettings {
  const audience = typeof options.audience === 'string' ? [options.audience] : [...(options.audience ?? [])];
  if (audience.length === 0 || audience.some((a) => typeof a !== 'string' || a === ''))
    problem('audience is required with issuer (a non-empty string or list of strings)');
  const algorithms = [...(options.algorithms ?? ['ES256'])];
  if (algorithms.length === 0) problem('algorithms must not be empty');
  for (const alg of algorithms) {
    if (typeof alg === 'string' && (/^none$/i.test(alg) || /^HS/i.test(alg)))
      problem(`algorithm ${alg} is refused: only asymmetric signatures are accepted`);
    else if (!(SUPPORTED_ALGORITHMS as readonly unknown[]).includes(alg))
      problem(`algorithm ${String(alg)} is not supported (use ${SUPPORTED_ALGORITHMS.join(', ')})`);
  }
  let keys: BearerSettings['keys'] = { jwksUri: new URL('http://invalid.invalid') };
  if (options.jwks !== undefined) {
    if (options.jwksUri !== undefined) problem('set jwksUri or jwks, not both');
    checkLocalKeys(options.jwks, problem);
    keys = { jwks: structuredClone(options.jwks) };
  } else {
    const uri =
      optionalString(options.jwksUri, 'jwksUri', problem) ?? `${trimSlash(issuer)}/.well-known/jwks.json`;
    if (checkUrl(uri, 'jwksUri', problem, [])) keys = { jwksUri: new URL(uri) };
  }
  return {
    issuer,
    audience,
    algorithms,
    keys,
    clockTolerance,
    maxTokenLifetime: number(
      options.maxTokenLifetime,
      'maxTokenLifetime',
      900 + clockTolerance,
      1,
      86_400,
      problem,
    ),
    tokenCacheMaxEntries: integer(
      options.tokenCacheMaxEntries,
      'tokenCacheMaxEntries',
      10_000,
      0,
      1_000_000,
      problem,
    ),
  };
}

function checkLocalKeys(jwks: JSONWebKeySet, problem: (text: string) => void): void {
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys) || jwks.keys.length === 0) {
    problem('jwks must be { keys: [ …public JWKs ] }');
    return;
  }
  for (const key of jwks.keys) {
    if (typeof key !== 'object' || key === null) problem('jwks: every key must be an object');
    else if (key.kty === 'oct') problem('jwks: symmetric (oct) keys are refused');
    else if ('d' in key || 'p' in key || 'k' in key) problem('jwks: private key material is refused');
  }
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function checkUrl(value: string, name: string, problem: (text: string) => void, warnings: string[]): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problem(`${name} must be an absolute URL`);
    return false;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problem(`${name} must be an http(s) URL`);
    return false;
  }
  if (url.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))
    warnings.push(`${name} uses plain http outside loopback`);
  return true;
}

function isOrigin(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

function optionalString(value: unknown, name: string, problem: (text: string) => void): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    problem(`${name} must be a non-empty string`);
    return undefined;
  }
  return value;
}

function number(
  value: unknown,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problem: (text: string) => void,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    problem(`${name} must be a number from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

function integer(
  value: unknown,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problem: (text: string) => void,
): number {
  const result = number(value, name, fallback, min, max, problem);
  if (!Number.isInteger(result)) {
    problem(`${name} must be an integer`);
    return fallback;
  }
  return result;
}
