export * from './account-lifecycle/index.ts';
export { Accounts, type AccountsOptions, defaultReauthenticationRule } from './accounts.ts';
export {
  type ApiKeyFailure,
  type ApiKeyPolicy,
  ApiKeyService,
  type ApiKeyServiceOptions,
  type ApiKeyVerification,
  defaultApiKeyPolicy,
  isLive as isLiveApiKey,
  type NewApiKeyInput,
  type VerifiedApiKey,
} from './api-keys/api-key-service.ts';
export { CidrList } from './api-keys/cidr.ts';
export {
  API_KEY_LENGTH,
  API_KEY_PATTERN,
  API_KEY_PREFIX,
  assembleApiKey,
  lastFour,
  looksLikeApiKey,
  newApiKey,
  type ParsedApiKey,
  parseApiKey,
} from './api-keys/format.ts';
export type * from './api-keys/records.ts';
export { ServiceAccounts } from './api-keys/service-accounts.ts';
export { type AuditInput, AuditTrail, type RequestMeta } from './audit-trail.ts';
export { Authenticator, type AuthenticatorOptions } from './authenticator.ts';
export { type Clock, ManualClock, systemClock } from './clock.ts';
export { anyCompromisedCheck, type CompromisedPasswordCheck } from './compromised-passwords.ts';
export { type DeviceCookiePolicy, DeviceCookies, MAX_DEVICE_ENTRIES } from './device-cookies.ts';
export { canonicalEmail } from './email.ts';
export { emailSkeleton } from './email-skeleton.ts';
export {
  type ErrorCode,
  type ErrorSpec,
  errorCatalogue,
  GatehouseError,
  isGatehouseError,
} from './errors.ts';
export {
  type LifecycleEvent,
  type LifecycleEventOf,
  LifecycleEvents,
  type LifecycleEventsOptions,
  type LifecycleEventType,
  type LifecycleSubscriber,
} from './lifecycle-events.ts';
export { LocalInvalidationBus } from './local-bus.ts';
export {
  defaultLoginThrottlePolicy,
  LoginThrottle,
  type LoginThrottlePolicy,
  type ThrottleRule,
} from './login-throttle.ts';
export {
  beginLogin,
  finishLogin,
  isLoginExpired,
  type LoginFactor,
  type LoginOutcome,
  type LoginTransaction,
  type LoginTransactionOptions,
  type LoginTransactionState,
  type SecondFactor,
  satisfyFactor,
} from './login-transaction.ts';
export type { MailQueue, MailRequest } from './mail.ts';
export {
  type MailOutboxClaim,
  type MailOutboxMessage,
  type MailOutboxStatus,
  type MailOutboxStore,
  mailRetryAt,
  type NewMailOutboxMessage,
} from './mail-outbox.ts';
export type {
  ConsumeOutcome,
  OAuthArtifact,
  OAuthArtifactEntry,
  OAuthArtifactStore,
  OAuthArtifactWrite,
} from './oauth-artifacts.ts';
export {
  OAUTH_CLIENT_AUTH_METHODS,
  OAUTH_GRANT_TYPES,
  OAUTH_ID_TOKEN_ALGS,
  type OAuthClientAuthMethod,
  type OAuthClientRecord,
  type OAuthClientSecrets,
  type OAuthClientStore,
  type OAuthClientType,
  type OAuthGrantType,
  type OAuthIdTokenAlg,
  pendingPreviousSecret,
} from './oauth-clients.ts';
export { checkRedirectUri, type RedirectUriVerdict } from './oauth-redirect-uris.ts';
export {
  type OAuthRefreshWrite,
  oauthRefreshFamilyId,
  oauthRefreshIdHash,
  oauthRefreshRecord,
  oauthRefreshSessionKey,
} from './oauth-refresh-tokens.ts';
export {
  checkPassword,
  defaultPasswordPolicy,
  MAX_PASSWORD_BYTES,
  normalizePassword,
  type PasswordPolicyOptions,
  type PasswordVerdict,
  passwordReasonText,
  passwordRefusal,
} from './password-policy.ts';
export { PermissionResolver, type SubjectAccess } from './permission-resolver.ts';
export { isConcretePermission, isValidPermission, PermissionSet, permissionMatches } from './permissions.ts';
export * from './policy/index.ts';
export type * from './ports.ts';
export type { AuthenticationMethod, Principal, PrincipalKind } from './principal.ts';
export {
  gcraStep,
  InProcessRateLimiter,
  isValidRateLimit,
  type RateLimit,
  type RateLimiter,
  type RateLimitResult,
} from './rate-limit.ts';
export {
  isRefreshRetry,
  RefreshRotation,
  type RefreshRotationPolicy,
  type RotatedToken,
} from './refresh-rotation.ts';
export type {
  ConsumeResult,
  RefreshTokenKind,
  RefreshTokenRecord,
  RefreshTokenStore,
  RetryGrace,
  RevokeByUserOptions,
} from './refresh-tokens.ts';
export { type CatchUpReason, RevocationIndex, type RevocationIndexOptions } from './revocation-index.ts';
export {
  fromWire,
  isRevocationType,
  type NewRevocation,
  REVOCATION_TYPES,
  type RevocableToken,
  type RevocationEntry,
  RevocationSet,
  type RevocationStore,
  type RevocationType,
  type RevocationWire,
  toWire,
} from './revocations.ts';
export * from './second-factors/index.ts';
export { constantTimeEqual, hmacSha256, randomId, randomToken, sha256Hex } from './secrets.ts';
export { SequenceTracker } from './sequence-tracker.ts';
export {
  amrOf,
  checkSession,
  hashSessionToken,
  isWellFormedSessionToken,
  newSession,
  SESSION_AUTH_METHODS,
  type SessionAuthMethod,
  type SessionCheck,
  type SessionPolicy,
  type SessionRecord,
} from './session.ts';
export { type ActiveSession, SessionManager, type SessionManagerOptions } from './session-manager.ts';
export type {
  ActiveSigningKey,
  PublicJwk,
  SigningAlgorithm,
  SigningKeySource,
} from './signing-key-source.ts';
export * from './signing-keys.ts';
export {
  type AccessTokenMinter,
  type AccessTokenRequest,
  type TokenPolicy,
  type TokenResponse,
  TokenService,
  type TokenServiceOptions,
} from './token-service.ts';
export { TtlCache } from './ttl-cache.ts';
export type * from './user-imports.ts';
export {
  type AddressClaim,
  CLAIMS_BY_SCOPE,
  claimsWithinScopes,
  parseUserProfile,
  type UserProfile,
} from './user-profile.ts';
