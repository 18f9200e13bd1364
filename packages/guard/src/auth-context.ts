import type { PermissionSet } from '@gatehouse/core/permissions';
import type { Principal } from '@gatehouse/core/principal';
import type { AccessTokenClaims } from './access-token.ts';
import type { IntrospectedSession } from './session-introspector.ts';

/** A caller authenticated by the Gatehouse session cookie; permissions come with the session check. */
export interface SessionAuthContext {
  readonly method: 'session';
  readonly principal: Principal;
  readonly permissions: PermissionSet;
  /** Sessions carry no OAuth scopes. */
  readonly scopes: undefined;
  readonly token: undefined;
  can(permission: string): boolean;
}

/**
 * A caller authenticated by a Bearer access token. Tokens carry no permissions: `permissions` is
 * `undefined` until `requirePermission` (or `guard.resolvePermissions`) asked Gatehouse, and `can`
 * answers `false` until then.
 */
export interface BearerAuthContext {
  readonly method: 'bearer';
  readonly principal: Principal;
  readonly permissions: PermissionSet | undefined;
  /** The token's `scope` claim, split. */
  readonly scopes: ReadonlySet<string>;
  /** The verified claims (`sub`, `client_id`, `scope`, `sid`, `jti`, …). */
  readonly token: AccessTokenClaims;
  can(permission: string): boolean;
}

/**
 * A caller authenticated by an API key. It may do what both the key's scopes and its owner's
 * current permissions allow; `permissions` is that intersection's owner side, `keyScopes` the other.
 */
export interface ApiKeyAuthContext {
  readonly method: 'api_key';
  readonly principal: Principal;
  readonly permissions: PermissionSet;
  readonly keyScopes: PermissionSet;
  readonly keyId: string;
  /** API keys carry no OAuth scopes. */
  readonly scopes: undefined;
  readonly token: undefined;
  can(permission: string): boolean;
}

/** Who is calling (the `Principal`) and what they may currently do. */
export type AuthContext = SessionAuthContext | BearerAuthContext | ApiKeyAuthContext;

export function apiKeyContext(input: {
  subject: string;
  kind: 'user' | 'service';
  keyId: string;
  scopes: PermissionSet;
  permissions: PermissionSet;
}): ApiKeyAuthContext {
  const { scopes, permissions } = input;
  return Object.freeze({
    method: 'api_key',
    principal: Object.freeze({ subject: input.subject, kind: input.kind, method: 'api_key' }),
    permissions,
    keyScopes: scopes,
    keyId: input.keyId,
    scopes: undefined,
    token: undefined,
    can: (permission: string) => scopes.has(permission) && permissions.has(permission),
  });
}

export function sessionContext(session: IntrospectedSession): SessionAuthContext {
  const permissions = session.permissions;
  return Object.freeze({
    method: 'session',
    principal: Object.freeze({
      subject: session.subject,
      kind: session.kind,
      method: 'session',
      sessionId: session.sessionId,
      authTime: session.authTime,
      ...(session.email === undefined ? {} : { email: session.email }),
    }),
    permissions,
    scopes: undefined,
    token: undefined,
    can: (permission: string) => permissions.has(permission),
  });
}

/**
 * A class, not an object literal: contexts are built on every uncached verification, and a
 * prototype method costs nothing per request (a fresh `can` closure does).
 */
class BearerContext implements BearerAuthContext {
  readonly method = 'bearer' as const;
  readonly principal: Principal;
  readonly permissions: PermissionSet | undefined;
  readonly scopes: ReadonlySet<string>;
  readonly token: AccessTokenClaims;

  constructor(
    token: AccessTokenClaims,
    principal: Principal,
    scopes: ReadonlySet<string>,
    permissions?: PermissionSet,
  ) {
    this.principal = principal;
    this.permissions = permissions;
    this.scopes = scopes;
    this.token = token;
    Object.freeze(this);
  }

  can(permission: string): boolean {
    return this.permissions?.has(permission) === true;
  }
}

export function bearerContext(claims: AccessTokenClaims): BearerAuthContext {
  const scopes = new Set(claims.scope === undefined ? [] : claims.scope.split(' ').filter((s) => s !== ''));
  const principal: Principal = Object.freeze({
    subject: claims.sub,
    // RFC 9068 §2.2: with no resource owner (client credentials) `sub` is the client's id.
    kind: isClientToken(claims) ? 'client' : 'user',
    method: 'bearer',
    ...(claims.sid === undefined ? {} : { sessionId: claims.sid }),
    ...(claims.auth_time === undefined ? {} : { authTime: claims.auth_time * 1000 }),
  });
  return new BearerContext(claims, principal, scopes);
}

/** A client-credentials token: the client acts for itself, with no resource owner. */
export function isClientToken(claims: AccessTokenClaims): boolean {
  return claims.client_id !== undefined && claims.client_id === claims.sub;
}

/** The same Bearer caller with its permissions resolved. */
export function withPermissions(auth: BearerAuthContext, permissions: PermissionSet): BearerAuthContext {
  return new BearerContext(auth.token, auth.principal, auth.scopes, permissions);
}
