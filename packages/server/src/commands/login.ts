import {
  type AuditTrail,
  type Authenticator,
  beginLogin,
  type Clock,
  type DeviceCookies,
  finishLogin,
  type LoginOutcome,
  type LoginTransactionStore,
  type RequestMeta,
  type SecondFactor,
  type SessionAuthMethod,
  type SessionManager,
  type SessionRecord,
  sha256Hex,
  type TokenResponse,
  type TokenService,
  type UserRecord,
} from '@gatehouse/core';

/** How long a login may wait for its second factor (when there is one). */
export const LOGIN_TRANSACTION_TTL_MS = 5 * 60_000;

export interface LoginInput {
  readonly email: string;
  readonly password: string;
  readonly meta: RequestMeta & { userAgent: string };
  /** The device cookie as the client sent it, if any (trusted browsers have their own limit). */
  readonly deviceCookie?: string | undefined;
  /** `session`: a cookie session; `token`: the hybrid model's access + refresh token, no cookie. */
  readonly mode: 'session' | 'token';
  /** Token mode: the client the tokens are for. */
  readonly clientId: string;
  /** The session token the client already held, ended once the new session exists (no fixation). */
  readonly previousSessionToken?: string | undefined;
}

export type LoginResult =
  /** Password right, a second factor still owed: `loginSecondStep` continues (docs/mfa.md). */
  | {
      readonly kind: 'second_factor_required';
      readonly transactionId: string;
      readonly factors: readonly SecondFactor[];
      readonly expiresAt: number;
    }
  | {
      readonly kind: 'session';
      readonly user: UserRecord;
      /** The cookie's value; only its hash is stored. */
      readonly token: string;
      readonly record: SessionRecord;
      /** The device cookie's new value: this browser is now known for the user. */
      readonly deviceCookie: string;
    }
  | { readonly kind: 'tokens'; readonly user: UserRecord; readonly tokens: TokenResponse };

export interface LoginDeps {
  authenticator: Authenticator;
  sessions: SessionManager;
  tokens: TokenService;
  devices: DeviceCookies;
  audit: AuditTrail;
  clock: Clock;
  /** Where a half-authenticated login waits for its second factor (only the id's hash is kept). */
  storage: { readonly loginTransactions: LoginTransactionStore };
  /** The second factors a user must present after the password (none: the password completes it). */
  secondFactorsFor: (user: UserRecord) => readonly SecondFactor[] | Promise<readonly SecondFactor[]>;
}

/**
 * Password login, from credentials to a session or tokens. Failures are the authenticator's
 * (generic, one argon2 verification for unknown users too); the transaction in between is the
 * half-authenticated state second factors will hang off.
 */
export function loginCommand(deps: LoginDeps): (input: LoginInput) => Promise<LoginResult> {
  return async function login(input) {
    const user = await deps.authenticator.verifyPassword(
      input.email,
      input.password,
      input.meta,
      input.deviceCookie,
    );
    const transaction = beginLogin(
      { userId: user.id, requiredFactors: await deps.secondFactorsFor(user) },
      { clock: deps.clock, ttlMs: LOGIN_TRANSACTION_TTL_MS },
    );
    if (transaction.state === 'factors_pending') {
      // Stored, never a session: the id alone reaches nothing but `POST /login/mfa`.
      await deps.storage.loginTransactions.insert({
        idHash: sha256Hex(transaction.id),
        userId: transaction.userId,
        pending: transaction.pending,
        startedAt: transaction.startedAt,
        expiresAt: transaction.expiresAt,
      });
      return {
        kind: 'second_factor_required',
        transactionId: transaction.id,
        factors: transaction.pending,
        expiresAt: transaction.expiresAt,
      };
    }
    return establish(deps, user, finishLogin(transaction, deps.clock).outcome, input);
  };
}

/** How the session records a finished login: the password, and the second factor if one was used. */
export function authMethodOf(outcome: LoginOutcome): SessionAuthMethod {
  if (outcome.factors.includes('totp')) return 'password+totp';
  if (outcome.factors.includes('recovery_code')) return 'password+recovery_code';
  return 'password';
}

/** A finished login becomes a session, and in token mode the tokens anchored to it. */
export async function establish(
  deps: LoginDeps,
  user: UserRecord,
  outcome: LoginOutcome,
  input: LoginInput,
): Promise<LoginResult> {
  const { meta } = input;
  const startSession = async () => {
    const started = await deps.sessions.start({
      userId: outcome.userId,
      ip: meta.ip,
      userAgent: meta.userAgent,
      authTime: outcome.authTime,
      authMethod: authMethodOf(outcome),
    });
    await deps.audit.record(
      'login.succeeded',
      { ...meta, actorId: user.id },
      {
        subjectId: user.id,
        details: { session: started.record.publicId, method: authMethodOf(outcome), mode: input.mode },
      },
    );
    return started;
  };
  if (input.mode === 'token') {
    // A server-side session still anchors the tokens (the hybrid index); the client holds only
    // an access token and a refresh token.
    const { record } = await startSession();
    return { kind: 'tokens', user, tokens: await deps.tokens.issue(record, input.clientId, '', meta) };
  }
  // The new session first, so what hangs off "the user still has a session" (OAuth SSO) survives
  // re-login; then whatever session the browser had is ended.
  const previous =
    input.previousSessionToken === undefined
      ? undefined
      : await deps.sessions.resolve(input.previousSessionToken);
  const { token, record } = await startSession();
  if (previous !== undefined) await deps.sessions.end(previous.record.idHash);
  return {
    kind: 'session',
    user,
    token,
    record,
    deviceCookie: deps.devices.issue(input.deviceCookie, user.id),
  };
}
