import { timingSafeEqual } from 'node:crypto';
import type { AuditTrail, RequestMeta } from '../audit-trail.ts';
import type { Clock } from '../clock.ts';
import { GatehouseError } from '../errors.ts';
import type { LifecycleEvents } from '../lifecycle-events.ts';
import type { PermissionResolver } from '../permission-resolver.ts';
import { isValidPermission, PermissionSet } from '../permissions.ts';
import type { InvalidationBus, UserRecord, UserRepository } from '../ports.ts';
import { checkRateLimit, type RateLimit } from '../rate-limit.ts';
import type { RevocationIndex } from '../revocation-index.ts';
import { hmacSha256 } from '../secrets.ts';
import { TtlCache } from '../ttl-cache.ts';
import { CidrList } from './cidr.ts';
import { lastFour, newApiKey, parseApiKey } from './format.ts';
import type { ApiKeyRecord, ApiKeyStore, ApiKeyUse, ServiceAccountStore } from './records.ts';

export interface ApiKeyPolicy {
  /** How long a verified key's record may be reused from this node's cache (staleness bound). */
  readonly cacheTtlMs: number;
  /** The rate limit of keys whose owner and key set none. */
  readonly defaultRateLimit: RateLimit;
  /** The longest overlap a rotation may keep the old key valid for. */
  readonly maxRotationOverlapMs: number;
  /** Live keys one owner may hold. */
  readonly maxKeysPerOwner: number;
  /** How often last-use times are written (one batch). */
  readonly usageFlushMs: number;
  /** How long a `key` revocation entry stays in the feed: at least every guard's cache bound. */
  readonly feedEntryTtlMs: number;
}

export const defaultApiKeyPolicy: ApiKeyPolicy = {
  cacheTtlMs: 30_000,
  defaultRateLimit: { limit: 600, windowSeconds: 60 },
  maxRotationOverlapMs: 30 * 24 * 3600_000,
  maxKeysPerOwner: 100,
  usageFlushMs: 10_000,
  feedEntryTtlMs: 15 * 60_000,
};

export interface NewApiKeyInput {
  name: string;
  scopes: readonly string[];
  /** ms since epoch; null or absent: no expiry. */
  expiresAt?: number | null;
  rateLimit?: RateLimit | null;
  allowedCidrs?: readonly string[] | null;
}

/** A key that verified, with what its checks need (cached together). */
export interface VerifiedApiKey {
  readonly key: ApiKeyRecord;
  readonly owner: UserRecord;
  readonly scopes: PermissionSet;
  readonly rateLimit: RateLimit;
  readonly cidrs: CidrList | undefined;
}

export type ApiKeyFailure = 'malformed' | 'unknown' | 'secret' | 'revoked' | 'expired' | 'owner' | 'network';

export type ApiKeyVerification =
  | { readonly ok: true; readonly verified: VerifiedApiKey }
  | {
      readonly ok: false;
      readonly reason: ApiKeyFailure;
      readonly keyId?: string;
      readonly ownerId?: string;
    };

export interface ApiKeyServiceOptions {
  store: ApiKeyStore;
  serviceAccounts: ServiceAccountStore;
  users: UserRepository;
  permissions: PermissionResolver;
  revocations: RevocationIndex;
  bus: InvalidationBus;
  audit: AuditTrail;
  clock: Clock;
  /** Server pepper for the keyed hash (derived from GATEHOUSE_SECRET). */
  pepper: Buffer;
  /**
   * The peppers of GATEHOUSE_SECRET_PREVIOUS, during a change of master secret: a key hashed under
   * one still verifies, and its hash is replaced by the current pepper's with the next usage flush.
   */
  previousPeppers?: readonly Buffer[];
  policy?: Partial<ApiKeyPolicy>;
  onError?: (error: unknown) => void;
  /** `UserDeleted`: the user's live keys are revoked (announced on the feed) before the row goes. */
  events?: LifecycleEvents;
}

const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,99}$/u;
/** What an unknown id is compared against, so every failure costs one HMAC and one comparison. */
const DUMMY_HASH = Buffer.alloc(32);

/**
 * API keys for machines and people: created (shown once), listed, rotated with a bounded overlap,
 * revoked everywhere through the revocation feed, and verified with parse → checksum → lookup →
 * constant-time compare. Verification writes nothing: last use is batched.
 */
export class ApiKeyService {
  readonly #o: ApiKeyServiceOptions;
  readonly #policy: ApiKeyPolicy;
  readonly #cache: TtlCache<VerifiedApiKey>;
  readonly #pendingUses = new Map<string, ApiKeyUse>();
  /** Keys verified under a previous pepper: their hash under the current one, written with the usage flush. */
  readonly #pendingRehashes = new Map<string, { expected: string; secretHash: string }>();
  /** Bumped by every eviction: a load that started before one must not cache what it read. */
  #evictions = 0;
  #flushTimer: NodeJS.Timeout | undefined;

  constructor(options: ApiKeyServiceOptions) {
    this.#o = options;
    this.#policy = { ...defaultApiKeyPolicy, ...options.policy };
    this.#cache = new TtlCache({ ttlMs: this.#policy.cacheTtlMs, maxEntries: 50_000, clock: options.clock });
    options.events?.on('UserDeleted', async ({ userId, meta }) => {
      const now = this.#o.clock.now();
      for (const key of await this.list(userId)) if (isLive(key, now)) await this.revoke(key.id, meta);
    });
    // Through the index, not the bus: it also passes on entries a catch-up found that pub/sub lost.
    options.revocations.subscribe((entries) => {
      for (const entry of entries) {
        if (entry.type === 'key') this.#evict(entry.value);
        else if (entry.type === 'sub') this.#dropOwner(entry.value);
      }
    });
    options.bus.subscribe((message) => {
      if (message.type === 'user.changed' || message.type === 'user.sessions_revoked') {
        this.#dropOwner(message.userId);
      } else if (message.type === 'invalidations.missed') {
        this.#evictions += 1;
        this.#cache.clear();
      }
    });
  }

  get policy(): ApiKeyPolicy {
    return this.#policy;
  }

  /** Starts the periodic last-use flush (the server calls this; tests may flush by hand). */
  start(): void {
    if (this.#flushTimer !== undefined) return;
    this.#flushTimer = setInterval(() => {
      this.flushUsage().catch((error) => this.#o.onError?.(error));
    }, this.#policy.usageFlushMs);
    this.#flushTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.#flushTimer !== undefined) clearInterval(this.#flushTimer);
    this.#flushTimer = undefined;
    await this.flushUsage();
  }

  async create(
    ownerId: string,
    input: NewApiKeyInput,
    meta: RequestMeta | undefined,
  ): Promise<{ record: ApiKeyRecord; key: string }> {
    const owner = await this.#o.users.findById(ownerId);
    if (owner === undefined) throw new GatehouseError('not_found');
    if (owner.disabled) throw new GatehouseError('conflict', { detail: 'The owner is disabled.' });
    const now = this.#o.clock.now();
    const checked = this.#validate(input, now);
    const live = (await this.#o.store.listByOwner(ownerId)).filter((k) => isLive(k, now));
    if (live.length >= this.#policy.maxKeysPerOwner) {
      throw new GatehouseError('conflict', { detail: 'This owner holds the maximum number of API keys.' });
    }
    const created = await this.#insert(ownerId, checked, now);
    await this.#o.audit.record('api_key.created', meta, {
      subjectId: ownerId,
      details: { key_id: created.record.id, scopes: checked.scopes.join(' ') },
    });
    return created;
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#o.store.findById(id);
  }

  async list(ownerId: string): Promise<ApiKeyRecord[]> {
    return this.#o.store.listByOwner(ownerId);
  }

  /**
   * Issues a successor with the same name, scopes, limits and lifetime. The old key stops at once
   * (default) or after `overlapMs`, at most the policy's bound, so clients can be redeployed.
   */
  async rotate(
    id: string,
    options: { overlapMs?: number },
    meta: RequestMeta | undefined,
  ): Promise<{ record: ApiKeyRecord; key: string }> {
    const now = this.#o.clock.now();
    const old = await this.#o.store.findById(id);
    if (old === undefined || !isLive(old, now)) throw new GatehouseError('not_found');
    if (old.replacedBy !== null) {
      throw new GatehouseError('conflict', { detail: 'This key was already rotated: rotate its successor.' });
    }
    const owner = await this.#o.users.findById(old.ownerId);
    if (owner === undefined || owner.disabled)
      throw new GatehouseError('conflict', { detail: 'The owner is disabled.' });
    const overlapMs = options.overlapMs ?? 0;
    if (!Number.isInteger(overlapMs) || overlapMs < 0 || overlapMs > this.#policy.maxRotationOverlapMs) {
      throw new GatehouseError('invalid_request', {
        detail: `The overlap must be between 0 and ${this.#policy.maxRotationOverlapMs / 1000} seconds.`,
      });
    }
    const lifetime = old.expiresAt === null ? null : old.expiresAt - old.createdAt;
    // Claim the old key first (one successor, ever: of two concurrent rotations one gets 409).
    const next = newApiKey();
    if (!(await this.#o.store.supersede(old.id, next.id, now + overlapMs))) {
      throw new GatehouseError('conflict', { detail: 'This key was already rotated: rotate its successor.' });
    }
    const successor = await this.#insert(
      old.ownerId,
      {
        name: old.name,
        scopes: old.scopes,
        expiresAt: lifetime === null ? null : now + lifetime,
        rateLimit: old.rateLimit,
        allowedCidrs: old.allowedCidrs,
      },
      now,
      next,
    );
    if (overlapMs === 0) await this.#o.store.revoke(old.id, now);
    await this.#announce(old.id, now);
    await this.#o.audit.record('api_key.rotated', meta, {
      subjectId: old.ownerId,
      details: { key_id: old.id, new_key_id: successor.record.id, overlap_seconds: overlapMs / 1000 },
    });
    return successor;
  }

  /** Revokes the key on every node and at every guard (through the feed). */
  async revoke(id: string, meta: RequestMeta | undefined): Promise<boolean> {
    const now = this.#o.clock.now();
    const record = await this.#o.store.findById(id);
    if (record === undefined || !(await this.#o.store.revoke(id, now))) return false;
    await this.#announce(id, now);
    await this.#o.audit.record('api_key.revoked', meta, {
      subjectId: record.ownerId,
      details: { key_id: id },
    });
    return true;
  }

  /**
   * parse → checksum → lookup by id → constant-time compare, then state, owner and network. Every
   * failure is reported with its reason for the audit log; callers answer them all identically.
   */
  async verify(raw: string, ip: string, meta?: RequestMeta): Promise<ApiKeyVerification> {
    const parsed = parseApiKey(raw);
    if (parsed === undefined) return this.#deny({ ok: false, reason: 'malformed' }, meta);
    const presented = hmacSha256(this.#o.pepper, parsed.raw);
    const verified = this.#cache.get(parsed.id) ?? (await this.#load(parsed.id));
    const expected = verified === undefined ? DUMMY_HASH : Buffer.from(verified.key.secretHash, 'hex');
    const current = expected.length === presented.length && timingSafeEqual(expected, presented);
    // Every previous pepper costs its HMAC whatever the outcome.
    let stale = false;
    for (const pepper of this.#o.previousPeppers ?? []) {
      const digest = hmacSha256(pepper, parsed.raw);
      stale = (expected.length === digest.length && timingSafeEqual(expected, digest)) || stale;
    }
    const matches = current || stale;
    if (verified === undefined) return this.#deny({ ok: false, reason: 'unknown', keyId: parsed.id }, meta);
    const failure = { keyId: parsed.id, ownerId: verified.owner.id };
    if (!matches) return this.#deny({ ok: false, reason: 'secret', ...failure }, meta);
    const { key } = verified;
    const now = this.#o.clock.now();
    if (key.revokedAt !== null) return this.#deny({ ok: false, reason: 'revoked', ...failure }, meta);
    if (key.expiresAt !== null && key.expiresAt <= now)
      return this.#deny({ ok: false, reason: 'expired', ...failure }, meta);
    if (verified.owner.disabled) return this.#deny({ ok: false, reason: 'owner', ...failure }, meta);
    if (verified.cidrs !== undefined && !verified.cidrs.contains(ip))
      return this.#deny({ ok: false, reason: 'network', ...failure }, meta);
    this.#pendingUses.set(key.id, { id: key.id, at: now, ip });
    if (!current)
      this.#pendingRehashes.set(key.id, { expected: key.secretHash, secretHash: presented.toString('hex') });
    return { ok: true, verified };
  }

  /** A key may do what both its scopes and its owner's current permissions allow. */
  async allows(verified: VerifiedApiKey, permission: string): Promise<boolean> {
    if (!verified.scopes.has(permission)) return false;
    return this.#o.permissions.can(verified.owner.id, permission);
  }

  async flushUsage(): Promise<void> {
    const rehashes = [...this.#pendingRehashes];
    this.#pendingRehashes.clear();
    for (const [id, { expected, secretHash }] of rehashes) {
      // False: revoked, rotated or already re-hashed by another node; nothing to do.
      await this.#o.store.replaceSecretHash(id, expected, secretHash);
      this.#evict(id);
    }
    if (this.#pendingUses.size === 0) return;
    const uses = [...this.#pendingUses.values()];
    this.#pendingUses.clear();
    await this.#o.store.recordUsage(uses);
  }

  async #load(id: string): Promise<VerifiedApiKey | undefined> {
    const generation = this.#evictions;
    const key = await this.#o.store.findById(id);
    if (key === undefined) return undefined;
    const owner = await this.#o.users.findById(key.ownerId);
    if (owner === undefined) return undefined;
    const service = owner.kind === 'service' ? await this.#o.serviceAccounts.get(owner.id) : undefined;
    const verified: VerifiedApiKey = {
      key,
      owner,
      scopes: new PermissionSet(key.scopes),
      rateLimit: key.rateLimit ?? service?.rateLimit ?? this.#policy.defaultRateLimit,
      cidrs: key.allowedCidrs === null ? undefined : new CidrList(key.allowedCidrs),
    };
    if (generation === this.#evictions) this.#cache.set(id, verified);
    return verified;
  }

  async #deny(failure: ApiKeyVerification & { ok: false }, meta: RequestMeta | undefined) {
    if (meta !== undefined) {
      await this.#o.audit.record('api_key.denied', meta, {
        subjectId: failure.ownerId ?? null,
        details: { reason: failure.reason, key_id: failure.keyId ?? null },
      });
    }
    return failure;
  }

  async #insert(ownerId: string, input: ValidInput, now: number, key = newApiKey()) {
    const { id, raw } = key;
    const record: ApiKeyRecord = {
      id,
      ownerId,
      name: input.name,
      secretHash: hmacSha256(this.#o.pepper, raw).toString('hex'),
      lastFour: lastFour(raw),
      scopes: input.scopes,
      createdAt: now,
      expiresAt: input.expiresAt,
      revokedAt: null,
      replacedBy: null,
      lastUsedAt: null,
      lastUsedIp: null,
      rateLimit: input.rateLimit,
      allowedCidrs: input.allowedCidrs,
    };
    await this.#o.store.insert(record);
    return { record, key: raw };
  }

  /** Every node and guard drops what it cached of the key. */
  async #announce(id: string, now: number): Promise<void> {
    this.#evict(id);
    await this.#o.revocations.add([
      { type: 'key', value: id, at: now, expiresAt: now + this.#policy.feedEntryTtlMs },
    ]);
  }

  #evict(id: string): void {
    this.#evictions += 1;
    this.#cache.delete(id);
  }

  #dropOwner(ownerId: string): void {
    this.#evictions += 1;
    this.#cache.deleteWhere((entry) => entry.owner.id === ownerId);
  }

  #validate(input: NewApiKeyInput, now: number): ValidInput {
    const bad = (detail: string) => new GatehouseError('invalid_request', { detail });
    const name = input.name.trim();
    if (!NAME.test(name)) throw bad('The name must be 1–100 letters, digits, spaces, dots, dashes.');
    const scopes = [...new Set(input.scopes)].sort();
    if (scopes.length === 0 || scopes.length > 50 || !scopes.every(isValidPermission)) {
      throw bad('Scopes must be 1–50 permissions such as notes:read or notes:*.');
    }
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt !== null && (!Number.isSafeInteger(expiresAt) || expiresAt <= now)) {
      throw bad('The expiry must be in the future.');
    }
    const rateLimit = checkRateLimit(input.rateLimit ?? null);
    const allowedCidrs = input.allowedCidrs ?? null;
    if (allowedCidrs !== null) {
      if (allowedCidrs.length === 0 || allowedCidrs.length > 50) throw bad('Give 1–50 networks.');
      const invalid = allowedCidrs.find((cidr) => !CidrList.isValid(cidr));
      if (invalid !== undefined) throw bad('Networks must be in CIDR notation, such as 203.0.113.0/24.');
    }
    return { name, scopes, expiresAt, rateLimit, allowedCidrs };
  }
}

interface ValidInput {
  name: string;
  scopes: readonly string[];
  expiresAt: number | null;
  rateLimit: RateLimit | null;
  allowedCidrs: readonly string[] | null;
}

/** Not revoked and not expired (it may still be in a rotation overlap). */
export function isLive(key: ApiKeyRecord, now: number): boolean {
  return key.revokedAt === null && (key.expiresAt === null || key.expiresAt > now);
}
