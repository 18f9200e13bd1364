/**
 * The one object that joins authentication to authorization: who is making the request and how
 * that was established. It carries no permissions; those are resolved per request.
 */
/**
 * `user`: a person; `service`: a service account (owner of machine API keys); `client`: an OAuth
 * client acting for itself (client credentials: no resource owner, `sub` is its client id).
 */
export type PrincipalKind = 'user' | 'service' | 'client';
export type AuthenticationMethod = 'session' | 'bearer' | 'api_key';

export interface Principal {
  /** Stable subject identifier: the user's or service account's id, or the OAuth client's id. */
  readonly subject: string;
  readonly kind: PrincipalKind;
  readonly email?: string;
  /** How this request proved its identity. */
  readonly method: AuthenticationMethod;
  /** Public id of the session that authenticated the request, when there is one. */
  readonly sessionId?: string;
  /** When the user last presented a primary credential (ms since epoch). */
  readonly authTime?: number;
}
