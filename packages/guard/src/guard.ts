import type { PermissionSet } from '@gatehouse/core/permissions';
import type { Principal } from '@gatehouse/core/principal';
import { GuardError } from './errors.ts';
import { cookie, type GuardRequest, header, isUnsafeMethod } from './request.ts';
import { type IntrospectorOptions, SessionIntrospector } from './session-introspector.ts';

export const DEFAULT_SESSION_COOKIE = '__Host-gatehouse_session';

export interface GuardOptions extends IntrospectorOptions {
  /** Name of Gatehouse's session cookie. */
  sessionCookie?: string;
  /**
   * Origins allowed to send cookie-authenticated unsafe requests (CSRF defence). Requests a browser
   * marks cross-site, or with another Origin, are refused. Default: same-origin only.
   */
  allowedOrigins?: readonly string[];
}

/** Who is calling (the `Principal`) and what they may currently do. */
export interface AuthContext {
  readonly principal: Principal;
  readonly permissions: PermissionSet;
  can(permission: string): boolean;
}

/**
 * The framework-free core of the guard: turns a request into an `AuthContext` or a `GuardError`.
 * Adapters (see `fastify.ts`) run it before the handler.
 */
export class Guard {
  readonly #introspector: SessionIntrospector;
  readonly #cookieName: string;
  readonly #allowedOrigins: ReadonlySet<string>;

  constructor(options: GuardOptions) {
    this.#introspector = new SessionIntrospector(options);
    this.#cookieName = options.sessionCookie ?? DEFAULT_SESSION_COOKIE;
    this.#allowedOrigins = new Set(options.allowedOrigins ?? []);
  }

  /** Authenticates the request; throws `GuardError` (401, 403 for CSRF, 503 when Gatehouse is down). */
  async authenticate(request: GuardRequest & { url?: string }): Promise<AuthContext> {
    const token = cookie(request, this.#cookieName);
    if (token === undefined || token === '') throw new GuardError('unauthenticated');
    if (isUnsafeMethod(request.method)) this.#checkCrossSite(request);
    const session = await this.#introspector.introspect(token);
    if (session === null) throw new GuardError('unauthenticated');
    const permissions = session.permissions;
    return {
      principal: {
        subject: session.subject,
        kind: session.kind,
        method: 'session',
        sessionId: session.sessionId,
        authTime: session.authTime,
        ...(session.email === undefined ? {} : { email: session.email }),
      },
      permissions,
      can: (permission) => permissions.has(permission),
    };
  }

  /** Throws `forbidden` unless the caller holds the permission. */
  authorize(auth: AuthContext, permission: string): void {
    if (!auth.can(permission)) throw new GuardError('forbidden');
  }

  /** Forgets cached session answers. */
  clearCache(): void {
    this.#introspector.clear();
  }

  #checkCrossSite(request: GuardRequest & { url?: string }): void {
    const origin = header(request, 'origin');
    if (origin !== undefined && this.#allowedOrigins.has(origin)) return;
    // Fetch Metadata, when present, decides alone (browsers send `Origin: null` for same-origin
    // forms under a no-referrer policy); otherwise a foreign or null Origin is refused.
    const site = header(request, 'sec-fetch-site');
    if (site !== undefined) {
      if (site === 'same-origin' || site === 'none') return;
      throw new GuardError('csrf_failed');
    }
    if (origin === undefined) return;
    const host = header(request, 'host');
    const own =
      request.url !== undefined && /^https?:/.test(request.url) ? new URL(request.url).origin : undefined;
    const sameHost = host !== undefined && (origin === `https://${host}` || origin === `http://${host}`);
    if (origin !== own && !sameHost) throw new GuardError('csrf_failed');
  }
}

export function createGuard(options: GuardOptions): Guard {
  return new Guard(options);
}
