export { GuardError, type GuardErrorCode, guardErrors } from './errors.ts';
export { fastifyGuard } from './fastify.ts';
export { type AuthContext, createGuard, DEFAULT_SESSION_COOKIE, Guard, type GuardOptions } from './guard.ts';
export type { GuardRequest } from './request.ts';
export type { IntrospectedSession, IntrospectorOptions } from './session-introspector.ts';
