import type { KeyObject } from 'node:crypto';
import {
  type ActiveSigningKey,
  type Clock,
  DEFAULT_SIGNING_ALGORITHM,
  isKeyPublished,
  isSigningAlgorithm,
  type KeyRingPlan,
  type KeyRotationPolicy,
  keyRemoveAfter,
  keyRingState,
  keyRotationOf,
  keyRotationPolicy,
  type PublicJwk,
  planKeyRingMaintenance,
  planKeyRingRepair,
  publishedSigningKeys,
  type SigningAlgorithm,
  type SigningKeyInfo,
  type SigningKeyRecord,
  type SigningKeySource,
  type SigningKeyStatus,
  type SigningKeyStore,
  signingKeyInfo,
  systemClock,
} from '@gatehouse/core';
import { openPrivateKey, sealPrivateKey } from './key-encryption.ts';
import { checkKeyFitsAlgorithm, generatePrivateKey, publicJwkOf, samePublicJwk } from './key-material.ts';

export interface KeyRingOptions {
  readonly store: SigningKeyStore;
  /** 32 bytes: `deriveKey(secret, 'signing-keys')`. */
  readonly encryptionKey: Buffer;
  /**
   * The same key under GATEHOUSE_SECRET_PREVIOUS, during a change of master secret: stored keys
   * sealed under them still open; new keys are sealed under `encryptionKey` only.
   */
  readonly previousEncryptionKeys?: readonly Buffer[] | undefined;
  /** The longest lifetime of any token signed with the ring; retired keys stay published this long. */
  readonly maxTokenLifetimeMs: number;
  readonly clock?: Clock;
  /** The algorithm of new keys (default ES256). A change reaches signing through the next key, one rotation later. */
  readonly algorithm?: SigningAlgorithm;
  /** Default 30 days. */
  readonly rotationPeriodMs?: number;
  /** Default 60 s. */
  readonly clockSkewMs?: number;
  /** How often the ring re-reads the store (timer and staleness bound of the cache); default 30 s. */
  readonly reloadIntervalMs?: number;
  /** Least time the next key is published before automatic rotation activates it; default 10 min. */
  readonly minPublishMs?: number;
  /** Failures of the background timer (default: a process warning). */
  readonly onError?: (error: unknown) => void;
  /**
   * The store of an RS256 ring kept beside this one, for what must be RS256 whatever `algorithm`
   * is: ID tokens of clients registered for RS256 (OpenID Connect Discovery requires it). It is
   * created, rotated, published and sealed like this ring, under the same policy; unused when
   * `algorithm` is RS256 itself.
   */
  readonly rs256Store?: SigningKeyStore | undefined;
}

export interface MaintenanceResult {
  /** What the ring needed: a repair (`initialise`, `promote`, `add-next`), a `rotate`, or `none`. */
  readonly action: KeyRingPlan['action'];
  /** False when another node changed the ring first; this node then just picked up its change. */
  readonly applied: boolean;
  /** Retired keys deleted because every token they signed has expired. */
  readonly removed: number;
}

export interface RotationResult {
  /** False when another node rotated at the same moment (the ring has a fresh key either way). */
  readonly rotated: boolean;
  /** The key this rotation retired, or null. */
  readonly retired: string | null;
  readonly active: string;
  readonly next: string;
  /** The RS256 ring's rotation, when the ring has one. */
  readonly rs256?: RotationResult;
}

export interface KeyRevocationResult {
  /** False when the key was already revoked (nothing changed). */
  readonly revoked: boolean;
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  /** Its state before: `active` means the next key took over at once. */
  readonly previousStatus: SigningKeyStatus;
  /** The active and next key of the ring that held it, afterwards. */
  readonly active: string;
  readonly next: string;
}

interface Snapshot {
  readonly loadedAt: number;
  readonly keys: readonly SigningKeyRecord[];
  /** Published when loaded, in JWKS order; filtered again by time on every read. */
  readonly published: readonly SigningKeyRecord[];
  readonly active: ActiveSigningKey | undefined;
}

const DEFAULT_RELOAD_INTERVAL_MS = 30_000;
const ENSURE_ATTEMPTS = 5;

/**
 * The key ring of one node over a store shared by every node. Signing uses the cached, decrypted
 * active key; the cache is re-read every `reloadIntervalMs` (so a rotation by another node arrives
 * within that bound, which the retention of retired keys allows for). Every change to the store is
 * a compare-and-set: when two nodes act at once one wins and the other reloads.
 *
 * Every published key is checked when first loaded — it must decrypt under this node's key, fit
 * its algorithm and match its public JWK and kid — so a row written without the master secret is
 * refused loudly, never published.
 */
export class KeyRing implements SigningKeySource {
  readonly #store: SigningKeyStore;
  readonly #encryptionKey: Buffer;
  /** `#encryptionKey` first, then the previous secrets' keys: what opens a stored key. */
  readonly #openingKeys: readonly Buffer[];
  readonly #clock: Clock;
  readonly #algorithm: SigningAlgorithm;
  readonly #policy: KeyRotationPolicy;
  readonly #reloadIntervalMs: number;
  readonly #onError: (error: unknown) => void;
  /** Keys already opened and checked, by kid; an entry is reused only while the stored row is unchanged. */
  readonly #opened = new Map<string, { sealed: string; jwk: string; privateKey: KeyObject }>();
  #snapshot: Snapshot | undefined;
  #pending: Promise<Snapshot> | undefined;
  #started = 0;
  #applied = 0;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  readonly #rs256: KeyRing | undefined;

  constructor(options: KeyRingOptions) {
    if (options.encryptionKey.length !== 32) throw new RangeError('encryptionKey must be 32 bytes');
    const algorithm = options.algorithm ?? DEFAULT_SIGNING_ALGORITHM;
    if (!isSigningAlgorithm(algorithm)) throw new RangeError(`unsupported signing algorithm ${algorithm}`);
    this.#store = options.store;
    this.#encryptionKey = Buffer.from(options.encryptionKey);
    this.#openingKeys = [
      this.#encryptionKey,
      ...(options.previousEncryptionKeys ?? []).map((k) => Buffer.from(k)),
    ];
    this.#clock = options.clock ?? systemClock;
    this.#algorithm = algorithm;
    this.#reloadIntervalMs = options.reloadIntervalMs ?? DEFAULT_RELOAD_INTERVAL_MS;
    if (!Number.isSafeInteger(this.#reloadIntervalMs) || this.#reloadIntervalMs <= 0)
      throw new RangeError('reloadIntervalMs must be a positive integer');
    this.#policy = keyRotationPolicy({
      maxTokenLifetimeMs: options.maxTokenLifetimeMs,
      propagationMs: this.#reloadIntervalMs,
      ...(options.rotationPeriodMs === undefined ? {} : { rotationPeriodMs: options.rotationPeriodMs }),
      ...(options.clockSkewMs === undefined ? {} : { clockSkewMs: options.clockSkewMs }),
      ...(options.minPublishMs === undefined ? {} : { minPublishMs: options.minPublishMs }),
    });
    this.#onError =
      options.onError ??
      ((error) =>
        process.emitWarning(
          `key ring maintenance failed: ${error instanceof Error ? error.message : error}`,
        ));
    this.#rs256 =
      options.rs256Store === undefined || algorithm === 'RS256'
        ? undefined
        : new KeyRing({ ...options, store: options.rs256Store, algorithm: 'RS256', rs256Store: undefined });
  }

  /** The RS256 ring beside this one, if any (its `active()` is the RS256 key that signs). */
  get rs256(): KeyRing | undefined {
    return this.#rs256;
  }

  get algorithm(): SigningAlgorithm {
    return this.#algorithm;
  }

  get policy(): KeyRotationPolicy {
    return this.#policy;
  }

  /**
   * Brings the ring to one active and one next key (creating or promoting as needed) and loads
   * it. Run at startup: it fails loudly when the stored keys do not open under this secret.
   */
  async ensure(): Promise<void> {
    for (let attempt = 0; attempt < ENSURE_ATTEMPTS; attempt++) {
      const keys = await this.#store.list();
      const repair = planKeyRingRepair(keyRingState(keys));
      if (repair.action === 'none') {
        await this.#loadFrom(keys);
        await this.#rs256?.ensure();
        return;
      }
      // Whether this node or a faster one completed it, the next pass sees the result.
      await this.#apply(repair, this.#clock.now());
    }
    throw new Error('Could not complete the key ring: the signing-key store kept changing.');
  }

  async active(): Promise<ActiveSigningKey> {
    let snapshot = await this.#current();
    if (snapshot.active === undefined) {
      await this.ensure();
      snapshot = await this.#current();
    }
    if (snapshot.active === undefined) throw new Error('The key ring has no active signing key.');
    return snapshot.active;
  }

  /** Every key a verifier may meet, this ring's and then the RS256 ring's. */
  async publicKeys(): Promise<readonly PublicJwk[]> {
    const snapshot = await this.#current();
    const now = this.#clock.now();
    const own = snapshot.published.filter((key) => isKeyPublished(key, now)).map((key) => key.publicJwk);
    return this.#rs256 === undefined ? own : [...own, ...(await this.#rs256.publicKeys())];
  }

  /**
   * The published keys with their private halves, the active keys first (this ring's, then the
   * RS256 ring's): for an engine that signs with the first key of a set that fits the algorithm
   * (oidc-provider), through `jwsSignature` — the private keys never leave this process's key
   * objects. `version` changes whenever a set or an active key does, so a holder rebuilds only then.
   */
  async signingKeys(): Promise<{ readonly version: string; readonly keys: readonly ActiveSigningKey[] }> {
    const own = await this.#ownSigningKeys();
    if (this.#rs256 === undefined) return own;
    const rs = await this.#rs256.signingKeys();
    const [ownActive, ...ownRest] = own.keys;
    const [rsActive, ...rsRest] = rs.keys;
    const keys = [ownActive, rsActive, ...ownRest, ...rsRest].filter(
      (key): key is ActiveSigningKey => key !== undefined,
    );
    return { version: `${own.version};${rs.version}`, keys };
  }

  async #ownSigningKeys(): Promise<{ readonly version: string; readonly keys: readonly ActiveSigningKey[] }> {
    const active = await this.active();
    const snapshot = await this.#current();
    const now = this.#clock.now();
    const published = snapshot.published.filter((key) => isKeyPublished(key, now));
    const ordered = [
      ...published.filter((key) => key.kid === active.kid),
      ...published.filter((key) => key.kid !== active.kid),
    ];
    const keys = ordered.flatMap((key) => {
      const privateKey = this.#opened.get(key.kid)?.privateKey;
      return privateKey === undefined ? [] : [{ kid: key.kid, alg: key.alg, privateKey }];
    });
    return { version: keys.map((key) => key.kid).join(','), keys };
  }

  /** Re-reads the store now (another node may have rotated). */
  async reload(): Promise<void> {
    await this.#load();
    await this.#rs256?.reload();
  }

  /** Every stored key (the RS256 ring's after this ring's), read now, without key material. */
  async list(): Promise<SigningKeyInfo[]> {
    const own = (await this.#store.list()).map(signingKeyInfo);
    return this.#rs256 === undefined ? own : [...own, ...(await this.#rs256.list())];
  }

  /**
   * The periodic duty: complete the ring if a key is missing, rotate when the active key has
   * signed for a whole period, delete retired keys whose tokens have all expired, and reload. The
   * RS256 ring does the same; the result is this ring's (`rs256.maybeRotate()` reports its own).
   */
  async maybeRotate(now = this.#clock.now()): Promise<MaintenanceResult> {
    const result = await this.#maintain(now);
    await this.#rs256?.maybeRotate(now);
    return result;
  }

  async #maintain(now: number): Promise<MaintenanceResult> {
    const keys = await this.#store.list();
    const { plan, removable } = planKeyRingMaintenance(keys, now, this.#policy);
    const applied = plan.action === 'none' || (await this.#apply(plan, now));
    const removed = removable.length > 0 ? await this.#store.deleteRemovable(now) : 0;
    if (plan.action === 'none' && removed === 0) await this.#loadFrom(keys);
    else await this.#load();
    return { action: plan.action, applied, removed };
  }

  /** Rotates now, whatever the age of the keys (operators: `gatehouse keys rotate`); both rings. */
  async rotate(): Promise<RotationResult> {
    const result = await this.#rotateOwn();
    return this.#rs256 === undefined ? result : { ...result, rs256: await this.#rs256.rotate() };
  }

  async #rotateOwn(): Promise<RotationResult> {
    await this.ensure();
    const now = this.#clock.now();
    const { active, next } = keyRingState(await this.#store.list());
    let rotated = false;
    if (active !== undefined && next !== undefined) {
      const newNext = await this.#newKey('next', now);
      rotated = await this.#store.rotate(keyRotationOf(active, next, newNext, now, this.#policy));
    }
    await this.ensure();
    const state = keyRingState((await this.#load()).keys);
    if (state.active === undefined || state.next === undefined)
      throw new Error('The key ring is incomplete after rotation.');
    return {
      rotated,
      retired: rotated && active !== undefined ? active.kid : null,
      active: state.active.kid,
      next: state.next.kid,
    };
  }

  /**
   * Emergency removal (a leaked key): marks `kid` revoked in whichever ring holds it — it leaves the
   * JWKS now — and completes that ring: a revoked active key is replaced by the next key, already
   * published, which signs at once, and a new next key is made. The tokens it signed are refused
   * through the `kid` revocation entry the caller writes after this (other nodes reload their ring
   * on that entry, so they must find the change stored). Undefined when no ring holds `kid`.
   */
  async revoke(kid: string): Promise<KeyRevocationResult | undefined> {
    const key = (await this.#store.list()).find((candidate) => candidate.kid === kid);
    if (key === undefined) return this.#rs256?.revoke(kid);
    const now = this.#clock.now();
    const revoked =
      key.status !== 'revoked' && (await this.#store.revoke(kid, now, keyRemoveAfter(now, this.#policy)));
    await this.ensure();
    const state = keyRingState((await this.#load()).keys);
    if (state.active === undefined || state.next === undefined)
      throw new Error('The key ring is incomplete after revoking a key.');
    return {
      revoked,
      kid,
      alg: key.alg,
      previousStatus: key.status,
      active: state.active.kid,
      next: state.next.kid,
    };
  }

  /** Runs `maybeRotate` every `reloadIntervalMs` on an unref'd timer (it never keeps the process alive). */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.#tick(), this.#reloadIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      await this.maybeRotate();
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#ticking = false;
    }
  }

  /** The cached snapshot while fresh; else one shared reload. */
  async #current(): Promise<Snapshot> {
    const snapshot = this.#snapshot;
    if (snapshot !== undefined && this.#clock.now() - snapshot.loadedAt < this.#reloadIntervalMs)
      return snapshot;
    this.#pending ??= this.#load().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #load(): Promise<Snapshot> {
    const sequence = ++this.#started;
    return this.#install(sequence, await this.#store.list());
  }

  async #loadFrom(keys: readonly SigningKeyRecord[]): Promise<Snapshot> {
    return this.#install(++this.#started, keys);
  }

  /** Builds a snapshot; it replaces the current one unless a later read already did. */
  async #install(sequence: number, keys: readonly SigningKeyRecord[]): Promise<Snapshot> {
    const loadedAt = this.#clock.now();
    const published = publishedSigningKeys(keys, loadedAt);
    const opened = new Map<string, KeyObject>();
    for (const key of published) opened.set(key.kid, await this.#open(key));
    const { active } = keyRingState(keys);
    const activeKey = active === undefined ? undefined : opened.get(active.kid);
    const snapshot: Snapshot = {
      loadedAt,
      keys,
      published,
      active:
        active === undefined || activeKey === undefined
          ? undefined
          : Object.freeze({ kid: active.kid, alg: active.alg, privateKey: activeKey }),
    };
    if (sequence > this.#applied) {
      this.#applied = sequence;
      this.#snapshot = snapshot;
      const stored = new Set(keys.map((key) => key.kid));
      for (const kid of this.#opened.keys()) if (!stored.has(kid)) this.#opened.delete(kid);
    }
    return this.#snapshot ?? snapshot;
  }

  /** The key's private half, opened and checked against its kid, algorithm and public JWK. */
  async #open(key: SigningKeyRecord): Promise<KeyObject> {
    const jwk = JSON.stringify(key.publicJwk);
    const cached = this.#opened.get(key.kid);
    if (cached !== undefined && cached.sealed === key.sealedPrivateKey && cached.jwk === jwk)
      return cached.privateKey;
    const privateKey = openPrivateKey(this.#openingKeys, key.kid, key.sealedPrivateKey);
    try {
      checkKeyFitsAlgorithm(privateKey, key.alg);
    } catch (error) {
      throw new Error(`Signing key ${key.kid} is not an ${key.alg} key.`, { cause: error });
    }
    const derived = await publicJwkOf(privateKey, key.alg);
    if (derived.kid !== key.kid || !samePublicJwk(derived, key.publicJwk))
      throw new Error(`Signing key ${key.kid}: the stored public key or kid does not match the private key.`);
    this.#opened.set(key.kid, { sealed: key.sealedPrivateKey, jwk, privateKey });
    return privateKey;
  }

  async #newKey(status: SigningKeyStatus, now: number): Promise<SigningKeyRecord> {
    const privateKey = await generatePrivateKey(this.#algorithm);
    const publicJwk = await publicJwkOf(privateKey, this.#algorithm);
    const record: SigningKeyRecord = {
      kid: publicJwk.kid,
      alg: this.#algorithm,
      status,
      publicJwk,
      sealedPrivateKey: sealPrivateKey(this.#encryptionKey, publicJwk.kid, privateKey),
      createdAt: now,
      activatedAt: status === 'active' ? now : null,
      retiredAt: null,
      removeAfter: null,
    };
    this.#opened.set(record.kid, {
      sealed: record.sealedPrivateKey,
      jwk: JSON.stringify(publicJwk),
      privateKey,
    });
    return record;
  }

  /** Carries out a plan as one compare-and-set; false when another node changed the ring first. */
  async #apply(plan: KeyRingPlan, now: number): Promise<boolean> {
    switch (plan.action) {
      case 'none':
        return true;
      case 'initialise':
        return this.#store.insert([await this.#newKey('active', now), await this.#newKey('next', now)]);
      case 'add-next':
        return this.#store.insert([await this.#newKey('next', now)]);
      case 'promote':
        return this.#store.rotate(
          keyRotationOf(undefined, plan.next, await this.#newKey('next', now), now, this.#policy),
        );
      case 'rotate':
        return this.#store.rotate(
          keyRotationOf(plan.active, plan.next, await this.#newKey('next', now), now, this.#policy),
        );
    }
  }
}

export function createKeyRing(options: KeyRingOptions): KeyRing {
  return new KeyRing(options);
}
