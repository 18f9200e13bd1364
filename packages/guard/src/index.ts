/** One entry of Gatehouse's revocation feed, as on the wire (times in epoch seconds). */
export type { RevocationWire as RevocationEntry } from '@gatehouse/core/revocation-set';
export type { AccessTokenClaims } from './access-token.ts';
// Kept for code written against the first guard; new code imports '@gatehouse/guard/fastify'.
// (Type-only imports of fastify: importing the core never loads a framework.)
export { fastifyGuard } from './adapters/fastify.ts';
export type { PermissionOptions } from './adapters/satisfy.ts';
export type {
  ApiKeyAuthContext,
  AuthContext,
  BearerAuthContext,
  SessionAuthContext,
} from './auth-context.ts';
export type { ResourceRef } from './decision-client.ts';
export { type Challenge, GuardError, type GuardErrorCode, guardErrors } from './errors.ts';
export type { GuardEvent } from './events.ts';
export { createGuard, Guard, type Requirement } from './guard.ts';
export {
  DEFAULT_SESSION_COOKIE,
  type GuardOptions,
  GuardOptionsError,
  SUPPORTED_ALGORITHMS,
} from './options.ts';
export type { GuardRequest } from './request.ts';
export type { IntrospectedSession, IntrospectorOptions } from './session-introspector.ts';
