import type { PublicJwk, SigningAlgorithm } from './signing-key-source.ts';

/**
 * The key ring's domain: what a stored signing key is, the store port, and the rotation policy as
 * pure functions. Key generation, encryption and caching live in the server (`keys/`).
 *
 * Lifecycle: `next` (published, not signing) → `active` (signs; exactly one) → `retired`
 * (published until every token it may have signed has expired, then deleted). A key is always
 * published for a whole rotation period before it signs.
 *
 * `revoked` (`gatehouse keys revoke`, a leaked key) leaves the JWKS at once, from any state; the
 * row stays, for `keys list`, until its tokens would have expired. What it signed is refused through
 * a `kid` revocation entry, not by the JWKS alone (verifiers cache the JWKS).
 */

export type SigningKeyStatus = 'next' | 'active' | 'retired' | 'revoked';

export { DEFAULT_SIGNING_ALGORITHM, isSigningAlgorithm, SIGNING_ALGORITHMS } from './jws-algorithms.ts';

export function isSigningKeyStatus(value: unknown): value is SigningKeyStatus {
  return value === 'next' || value === 'active' || value === 'retired' || value === 'revoked';
}

export interface SigningKeyRecord {
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key. */
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly status: SigningKeyStatus;
  /** Public members only, with `kid`, `alg` and `use: 'sig'`. */
  readonly publicJwk: PublicJwk;
  /** The private key, encrypted under the server's key (opaque to stores). */
  readonly sealedPrivateKey: string;
  readonly createdAt: number;
  /** When the key became active; null while `next`. */
  readonly activatedAt: number | null;
  /** When the key was retired (or revoked); null while `next` or `active`. */
  readonly retiredAt: number | null;
  /** When a retired or revoked key may be deleted (its last token has expired); null otherwise. */
  readonly removeAfter: number | null;
}

/** One compare-and-set rotation: every step's precondition must hold, or nothing changes. */
export interface SigningKeyRotation {
  /**
   * The active key to retire (precondition: it is still `active`); null when no key is active,
   * in which case the precondition is that none is.
   */
  readonly retire: { readonly kid: string; readonly retiredAt: number; readonly removeAfter: number } | null;
  /** The next key to activate (precondition: it is still `next`). */
  readonly activate: { readonly kid: string; readonly activatedAt: number };
  /** The new next key; its status must be `next`. */
  readonly next: SigningKeyRecord;
}

/**
 * Persistence of the key ring. Several nodes share one store, so every state change is a
 * compare-and-set: at most one `active` and one `next` key ever exist, and of two nodes rotating
 * from the same state exactly one succeeds.
 */
export interface SigningKeyStore {
  /** Every key, oldest first. */
  list(): Promise<SigningKeyRecord[]>;
  /**
   * Inserts all of `keys` or none. Returns false (inserting nothing) when a kid is taken or the
   * insert would make a second `active` or `next` key — another node got there first.
   */
  insert(keys: readonly SigningKeyRecord[]): Promise<boolean>;
  /** Applies the rotation atomically; false, changing nothing, when any precondition fails. */
  rotate(rotation: SigningKeyRotation): Promise<boolean>;
  /** Deletes retired and revoked keys whose `removeAfter` is at or before `now`; returns how many. */
  deleteRemovable(now: number): Promise<number>;
  /**
   * Replaces a key's sealed private key (re-encrypted under a new master secret) if it is still
   * `expected`; false, changing nothing, when the key is gone or was changed meanwhile.
   */
  replaceSealedKey(kid: string, expected: string, sealed: string): Promise<boolean>;
  /**
   * Marks the key `revoked` whatever its state (setting `retiredAt` and `removeAfter`); false when
   * no such key exists or it is already revoked. The ring then lacks an active or next key, which
   * the usual repair (promote, add-next) completes.
   */
  revoke(kid: string, revokedAt: number, removeAfter: number): Promise<boolean>;
}

/** The key as the CLI and admin tools see it: no key material. */
export interface SigningKeyInfo {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly status: SigningKeyStatus;
  readonly createdAt: number;
  readonly activatedAt: number | null;
  readonly retiredAt: number | null;
  readonly removeAfter: number | null;
}

export function signingKeyInfo(record: SigningKeyRecord): SigningKeyInfo {
  const { kid, alg, status, createdAt, activatedAt, retiredAt, removeAfter } = record;
  return { kid, alg, status, createdAt, activatedAt, retiredAt, removeAfter };
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

export interface KeyRotationPolicy {
  /** How long a key signs before the next one takes over. */
  readonly rotationPeriodMs: number;
  /** The longest lifetime of any token the ring signs. */
  readonly maxTokenLifetimeMs: number;
  /** Allowed clock difference between us and verifiers. */
  readonly clockSkewMs: number;
  /**
   * How long a node may go on signing with a key another node has retired: the nodes' cache
   * reload interval. Part of the retention, so those late tokens stay verifiable too.
   */
  readonly propagationMs: number;
  /**
   * The least time the next key must have been published before automatic rotation activates it
   * (verifiers cache the JWKS). Manual rotation ignores it.
   */
  readonly minPublishMs: number;
}

export const defaultKeyRotationPolicy: Readonly<Omit<KeyRotationPolicy, 'maxTokenLifetimeMs'>> = {
  rotationPeriodMs: 30 * DAY,
  clockSkewMs: MINUTE,
  propagationMs: 30 * SECOND,
  minPublishMs: 10 * MINUTE,
};

/** Fills in the defaults and rejects nonsense (negative or non-finite durations, a zero period). */
export function keyRotationPolicy(
  options: Partial<KeyRotationPolicy> & Pick<KeyRotationPolicy, 'maxTokenLifetimeMs'>,
): KeyRotationPolicy {
  const policy: KeyRotationPolicy = {
    rotationPeriodMs: options.rotationPeriodMs ?? defaultKeyRotationPolicy.rotationPeriodMs,
    maxTokenLifetimeMs: options.maxTokenLifetimeMs,
    clockSkewMs: options.clockSkewMs ?? defaultKeyRotationPolicy.clockSkewMs,
    propagationMs: options.propagationMs ?? defaultKeyRotationPolicy.propagationMs,
    minPublishMs: options.minPublishMs ?? defaultKeyRotationPolicy.minPublishMs,
  };
  for (const [name, value] of Object.entries(policy)) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`${name} must be a non-negative integer number of milliseconds`);
  }
  if (policy.rotationPeriodMs === 0) throw new RangeError('rotationPeriodMs must be positive');
  return policy;
}

/** When a key retired at `retiredAt` may be deleted: after the last token it can have signed expired. */
export function keyRemoveAfter(retiredAt: number, policy: KeyRotationPolicy): number {
  return retiredAt + policy.maxTokenLifetimeMs + policy.clockSkewMs + policy.propagationMs;
}

/** True while the key belongs in the JWKS (a revoked key never does). */
export function isKeyPublished(key: SigningKeyRecord, now: number): boolean {
  if (key.status === 'revoked') return false;
  return key.status !== 'retired' || (key.removeAfter ?? Number.POSITIVE_INFINITY) > now;
}

/** True when the key is retired or revoked and every token it signed has expired. */
export function isKeyRemovable(key: SigningKeyRecord, now: number): boolean {
  return (
    (key.status === 'retired' || key.status === 'revoked') &&
    (key.removeAfter ?? Number.POSITIVE_INFINITY) <= now
  );
}

export interface KeyRingState {
  readonly active: SigningKeyRecord | undefined;
  readonly next: SigningKeyRecord | undefined;
  /** Newest retirement first. */
  readonly retired: readonly SigningKeyRecord[];
}

/** Sorts keys by role. Stores allow one active and one next key; should there be more, the newest wins. */
export function keyRingState(keys: readonly SigningKeyRecord[]): KeyRingState {
  const newest = (status: SigningKeyStatus, at: (key: SigningKeyRecord) => number) =>
    keys.filter((key) => key.status === status).sort((a, b) => at(b) - at(a))[0];
  return {
    active: newest('active', (key) => key.activatedAt ?? key.createdAt),
    next: newest('next', (key) => key.createdAt),
    retired: keys
      .filter((key) => key.status === 'retired')
      .sort((a, b) => (b.retiredAt ?? 0) - (a.retiredAt ?? 0)),
  };
}

/** The published keys in JWKS order: active, next, then retired keys newest first. */
export function publishedSigningKeys(keys: readonly SigningKeyRecord[], now: number): SigningKeyRecord[] {
  const { active, next, retired } = keyRingState(keys);
  return [active, next, ...retired].filter(
    (key): key is SigningKeyRecord => key !== undefined && isKeyPublished(key, now),
  );
}

/** True when the active key has signed for a whole period and the next key has been published long enough. */
export function keyRotationDue(
  active: SigningKeyRecord,
  next: SigningKeyRecord,
  now: number,
  policy: KeyRotationPolicy,
): boolean {
  const activeSince = active.activatedAt ?? active.createdAt;
  return now - activeSince >= policy.rotationPeriodMs && now - next.createdAt >= policy.minPublishMs;
}

/** What the ring must do to reach a complete state (one active key, one next key). */
export type KeyRingRepair =
  | { readonly action: 'none' }
  /** Nothing usable: create an active and a next key. */
  | { readonly action: 'initialise' }
  /** No active key but a published next one: activate it, and create a new next key. */
  | { readonly action: 'promote'; readonly next: SigningKeyRecord }
  /** An active key but no next one: create it. */
  | { readonly action: 'add-next'; readonly active: SigningKeyRecord };

export function planKeyRingRepair(state: KeyRingState): KeyRingRepair {
  if (state.active === undefined)
    return state.next === undefined ? { action: 'initialise' } : { action: 'promote', next: state.next };
  if (state.next === undefined) return { action: 'add-next', active: state.active };
  return { action: 'none' };
}

export type KeyRingPlan =
  | KeyRingRepair
  | { readonly action: 'rotate'; readonly active: SigningKeyRecord; readonly next: SigningKeyRecord };

/** The periodic decision: repair an incomplete ring, else rotate when due; plus the keys to delete. */
export function planKeyRingMaintenance(
  keys: readonly SigningKeyRecord[],
  now: number,
  policy: KeyRotationPolicy,
): { plan: KeyRingPlan; removable: SigningKeyRecord[] } {
  const state = keyRingState(keys);
  const repair = planKeyRingRepair(state);
  const removable = keys.filter((key) => isKeyRemovable(key, now));
  if (repair.action !== 'none' || state.active === undefined || state.next === undefined)
    return { plan: repair, removable };
  return {
    plan: keyRotationDue(state.active, state.next, now, policy)
      ? { action: 'rotate', active: state.active, next: state.next }
      : { action: 'none' },
    removable,
  };
}

/** The rotation retiring `active`, activating `next` and adding `newNext`, all at `now`. */
export function keyRotationOf(
  active: SigningKeyRecord | undefined,
  next: SigningKeyRecord,
  newNext: SigningKeyRecord,
  now: number,
  policy: KeyRotationPolicy,
): SigningKeyRotation {
  if (newNext.status !== 'next') throw new TypeError('the new next key must have status next');
  return {
    retire:
      active === undefined
        ? null
        : { kid: active.kid, retiredAt: now, removeAfter: keyRemoveAfter(now, policy) },
    activate: { kid: next.kid, activatedAt: now },
    next: newNext,
  };
}
