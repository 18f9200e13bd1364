import {
  type CounterStore,
  finishLogin,
  GatehouseError,
  hashRecoveryCode,
  type LoginTransaction,
  type MailQueue,
  normalizeRecoveryCode,
  type RecoveryCodeStore,
  type SecondFactor,
  type StoredLoginTransaction,
  satisfyFactor,
  sha256Hex,
  type UserRepository,
} from '@gatehouse/core';
import type { TotpFactors } from '../mfa/totp-factors.ts';
import { establish, type LoginDeps, type LoginInput, type LoginResult } from './login.ts';

/** Second-step attempts per user and factor kind in a window: a few typos, never a brute force. */
export const SECOND_STEP_LIMIT = 5;
export const SECOND_STEP_WINDOW_MS = 5 * 60_000;

export type SecondStepInput = Omit<LoginInput, 'email' | 'password'> & {
  /** The id `POST /login` answered with. */
  readonly transaction: string;
  readonly code?: string | undefined;
  readonly recoveryCode?: string | undefined;
};

export type SecondStepResult = Exclude<LoginResult, { kind: 'second_factor_required' }> & {
  /** When a recovery code was used: how many are left (the user was emailed). */
  readonly recoveryCodesLeft?: number;
};

export interface SecondStepDeps extends LoginDeps {
  storage: LoginDeps['storage'] & {
    readonly users: UserRepository;
    readonly counters: CounterStore;
    readonly recoveryCodes: RecoveryCodeStore;
  };
  totp: TotpFactors;
  mail: MailQueue;
}

/** Every refusal of the second step reads the same: no hint of which part was wrong. */
function refused(): GatehouseError {
  return new GatehouseError('invalid_credentials', {
    detail: 'The code is not valid, or this sign-in has expired.',
  });
}

/**
 * `POST /login/mfa`: a TOTP code or a recovery code completes a pending login transaction, which
 * is then taken from the store in one step (finish once) and becomes a session exactly as a
 * password-only login does. Attempts are counted per user and factor kind; the password step's
 * own limits are untouched, so nobody can lock an account out through this step.
 */
export function loginSecondStepCommand(
  deps: SecondStepDeps,
): (input: SecondStepInput) => Promise<SecondStepResult> {
  return async function secondStep(input) {
    const factor: SecondFactor | undefined =
      input.code !== undefined ? 'totp' : input.recoveryCode !== undefined ? 'recovery_code' : undefined;
    if (factor === undefined)
      throw new GatehouseError('invalid_request', { detail: 'Send a code or a recovery code.' });
    const idHash = sha256Hex(input.transaction);
    const stored = await deps.storage.loginTransactions.find(idHash, deps.clock.now());
    if (stored === undefined || !stored.pending.includes(factor)) throw refused();
    await throttle(deps, stored.userId, factor);
    const recoveryCodesLeft = await verify(deps, stored.userId, factor, input);
    const taken = await deps.storage.loginTransactions.take(idHash, deps.clock.now());
    if (taken === undefined) throw refused();
    const user = await deps.storage.users.findById(taken.userId);
    if (user === undefined || user.disabled) throw refused();
    await deps.storage.counters.reset(counterKey(user.id, factor));
    const { outcome } = finishLogin(
      satisfyFactor(asTransaction(input.transaction, taken), factor, deps.clock),
      deps.clock,
    );
    const result = (await establish(deps, user, outcome, {
      ...input,
      email: user.email,
      password: '',
    })) as SecondStepResult;
    if (recoveryCodesLeft === undefined) return result;
    await deps.audit.record(
      'mfa.recovery_code_used',
      { ...input.meta, actorId: user.id },
      {
        subjectId: user.id,
        details: { left: recoveryCodesLeft },
      },
    );
    await deps.mail.enqueue(
      {
        to: user.email,
        template: 'recovery-code-used',
        values: { email: user.email, left: String(recoveryCodesLeft) },
      },
      deps.clock.now(),
    );
    return { ...result, recoveryCodesLeft };
  };
}

function counterKey(userId: string, factor: SecondFactor): string {
  return `mfa:${factor}:${userId}`;
}

async function throttle(deps: SecondStepDeps, userId: string, factor: SecondFactor): Promise<void> {
  const now = deps.clock.now();
  const { count, resetAt } = await deps.storage.counters.increment(
    counterKey(userId, factor),
    SECOND_STEP_WINDOW_MS,
    now,
  );
  if (count > SECOND_STEP_LIMIT)
    throw new GatehouseError('too_many_requests', {
      detail: 'Too many codes tried. Wait and try again.',
      retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
    });
}

/** The codes left when a recovery code was used, undefined for TOTP; throws when the code is wrong. */
async function verify(
  deps: SecondStepDeps,
  userId: string,
  factor: SecondFactor,
  input: SecondStepInput,
): Promise<number | undefined> {
  if (factor === 'totp') {
    if (!(await deps.totp.verify(userId, input.code ?? ''))) throw refused();
    return undefined;
  }
  const normalized = normalizeRecoveryCode(input.recoveryCode ?? '');
  const left =
    normalized === null
      ? undefined
      : await deps.storage.recoveryCodes.consume(userId, hashRecoveryCode(normalized), deps.clock.now());
  if (left === undefined) throw refused();
  return left;
}

function asTransaction(id: string, stored: StoredLoginTransaction): LoginTransaction {
  return {
    id,
    userId: stored.userId,
    state: 'factors_pending',
    verified: ['password'],
    pending: stored.pending,
    startedAt: stored.startedAt,
    expiresAt: stored.expiresAt,
  };
}
