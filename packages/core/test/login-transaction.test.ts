import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.ts';
import { GatehouseError } from '../src/errors.ts';
import { beginLogin, finishLogin, isLoginExpired, satisfyFactor } from '../src/login-transaction.ts';

const TTL = 5 * 60_000;
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatehouseError) return error.detail;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('login transaction', () => {
  it('password alone: complete at once, finishes once into the outcome', () => {
    const clock = new ManualClock();
    const tx = beginLogin({ userId: 'u1', requiredFactors: [] }, { clock, ttlMs: TTL });
    expect(tx.state).toBe('complete');
    expect(tx.verified).toEqual(['password']);
    clock.advance(1000);
    const { transaction, outcome } = finishLogin(tx, clock);
    expect(outcome).toEqual({ userId: 'u1', factors: ['password'], authTime: tx.startedAt });
    expect(transaction.state).toBe('finished');
    expect(refusal(() => finishLogin(transaction, clock))).toMatch(/already been used/);
  });

  it('with a second factor: pending until that factor, which completes it', () => {
    const clock = new ManualClock();
    const tx = beginLogin({ userId: 'u1', requiredFactors: ['totp', 'webauthn'] }, { clock, ttlMs: TTL });
    expect(tx.state).toBe('factors_pending');
    expect(refusal(() => finishLogin(tx, clock))).toMatch(/not complete/);
    expect(refusal(() => satisfyFactor(tx, 'recovery_code', clock))).toMatch(/does not wait/);
    const done = satisfyFactor(tx, 'webauthn', clock);
    expect(done.state).toBe('complete');
    expect(done.verified).toEqual(['password', 'webauthn']);
    expect(refusal(() => satisfyFactor(done, 'totp', clock))).toMatch(/does not wait/);
    expect(finishLogin(done, clock).outcome.factors).toEqual(['password', 'webauthn']);
    // Transitions make new values: the pending one is unchanged.
    expect(tx.state).toBe('factors_pending');
  });

  it('expires at its deadline, in every state', () => {
    const clock = new ManualClock();
    const pending = beginLogin({ userId: 'u1', requiredFactors: ['totp'] }, { clock, ttlMs: TTL });
    const complete = beginLogin({ userId: 'u1', requiredFactors: [] }, { clock, ttlMs: TTL });
    clock.advance(TTL - 1);
    expect(isLoginExpired(pending, clock)).toBe(false);
    clock.advance(1);
    expect(isLoginExpired(pending, clock)).toBe(true);
    expect(refusal(() => satisfyFactor(pending, 'totp', clock))).toMatch(/expired/);
    expect(refusal(() => finishLogin(complete, clock))).toMatch(/expired/);
  });

  it('is named by 256 unguessable bits and frozen', () => {
    const clock = new ManualClock();
    const ids = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const tx = beginLogin({ userId: 'u1', requiredFactors: [] }, { clock, ttlMs: TTL });
      expect(tx.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Object.isFrozen(tx) && Object.isFrozen(tx.verified)).toBe(true);
      ids.add(tx.id);
    }
    expect(ids.size).toBe(100);
  });
});
