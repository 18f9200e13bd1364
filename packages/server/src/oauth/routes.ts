/**
 * Where the OAuth engine answers. Everything sits under `/oauth` (the first-party token routes
 * already own `/token/*`), except discovery and the one JWKS shared with every other token.
 */
export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  userinfo: '/oauth/userinfo',
  introspection: '/oauth/introspect',
  revocation: '/oauth/revoke',
  device_authorization: '/oauth/device/auth',
  code_verification: '/oauth/device',
  pushed_authorization_request: '/oauth/par',
  end_session: '/oauth/logout',
  registration: '/oauth/register',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
  credential: '/oauth/credential',
  jwks: '/.well-known/jwks.json',
} as const;

/** The engine's machine-to-machine endpoints: POST only, no cookies, no pages. */
export const ENGINE_POST_ROUTES: ReadonlySet<string> = new Set([
  OAUTH_ROUTES.token,
  OAUTH_ROUTES.introspection,
  OAUTH_ROUTES.revocation,
  OAUTH_ROUTES.device_authorization,
  OAUTH_ROUTES.pushed_authorization_request,
]);

export function interactionPath(uid: string): string {
  return `/oauth/interaction/${uid}`;
}

/** The uid of an interaction path (`/oauth/interaction/{uid}`), if `path` is one. */
export function interactionUid(path: string): string | undefined {
  return /^\/oauth\/interaction\/([A-Za-z0-9_-]{1,64})$/.exec(path)?.[1];
}

/** Where the login page's "Cancel" posts: it ends the interaction with access_denied. */
export function interactionCancelPath(uid: string): string {
  return `${interactionPath(uid)}/cancel`;
}
