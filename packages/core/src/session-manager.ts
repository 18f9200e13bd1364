import type { Clock } from './clock.ts';
import type { InvalidationBus, SessionStore, UserRecord, UserRepository } from './ports.ts';
import {
  checkSession,
  hashSessionToken,
  isWellFormedSessionToken,
  newSession,
  type SessionPolicy,
  type SessionRecord,
} from './session.ts';
import { TtlCache } from './ttl-cache.ts';

export interface ActiveSession {
  readonly record: SessionRecord;
  readonly user: UserRecord;
}

export interface SessionManagerOptions {
  store: SessionStore;
  users: UserRepository;
  bus: InvalidationBus;
  clock: Clock;
  policy: SessionPolicy;
  /**
   * How long a resolved session may be served from this process's memory. This is the staleness
   * bound for changes made *outside* Gatehouse's own API; every revocation through Gatehouse
   * evicts the entry at once on every node (through the invalidation bus). 0 disables the cache.
   */
  cacheTtlMs: number;
  cacheMaxEntries?: number;
  /**
   * Told about every session that ends through this manager (logout, revocation, user disable,
   * password change), after the store forgot it: the token module revokes what hangs off it.
   */
  onEnded?: (ended: readonly SessionRecord[]) => Promise<void>;
}

/** Session lifecycle: start, resolve (with rolling renewal), list and revoke. */
export class SessionManager {
  readonly #o: SessionManagerOptions;
  readonly #cache: TtlCache<ActiveSession>;
  /** Bumped on every invalidation, so a lookup that raced a revocation is not cached. */
  #generation = 0;

  constructor(options: SessionManagerOptions) {
    this.#o = options;
    this.#cache = new TtlCache({
      ttlMs: options.cacheTtlMs,
      maxEntries: options.cacheMaxEntries ?? 10_000,
      clock: options.clock,
    });
    options.bus.subscribe((message) => {
      this.#generation++;
      if (message.type === 'session.revoked') this.#cache.delete(message.idHash);
      else if (message.type === 'invalidations.missed') this.#cache.clear();
      else if (message.type === 'user.sessions_revoked' || message.type === 'user.changed') {
        this.#cache.deleteWhere((s) => s.user.id === message.userId);
      }
    });
  }

  get policy(): SessionPolicy {
    return this.#o.policy;
  }

  async start(input: { userId: string; ip: string; userAgent: string; authTime?: number }) {
    const created = newSession({ ...input, now: this.#o.clock.now() }, this.#o.policy);
    await this.#o.store.create(created.record);
    return created;
  }

  /**
   * The synchronous fast path: a cached, valid session that needs no renewal write, or undefined
   * (then call `resolve`). Lets the HTTP edge skip a promise per request on the hot path.
   */
  peek(token: string): ActiveSession | undefined {
    if (!isWellFormedSessionToken(token)) return undefined;
    const active = this.#cache.get(hashSessionToken(token));
    if (active === undefined) return undefined;
    const check = checkSession(active.record, this.#o.clock.now(), this.#o.policy);
    return check.status === 'valid' && check.renewal === undefined ? active : undefined;
  }

  /** Resolves a presented token to a live session of an enabled user, or undefined. */
  async resolve(token: string): Promise<ActiveSession | undefined> {
    if (!isWellFormedSessionToken(token)) return undefined;
    const idHash = hashSessionToken(token);
    const now = this.#o.clock.now();
    const generation = this.#generation;
    let active = this.#cache.get(idHash);
    const cached = active !== undefined;
    if (active === undefined) {
      const record = await this.#o.store.get(idHash);
      if (record === undefined) return undefined;
      const user = await this.#o.users.findById(record.userId);
      if (user === undefined || user.disabled) return undefined;
      active = { record, user };
    }
    const check = checkSession(active.record, now, this.#o.policy);
    if (check.status === 'expired') {
      this.#cache.delete(idHash);
      await this.#o.store.delete(idHash);
      return undefined;
    }
    if (check.renewal !== undefined) {
      await this.#o.store.touch(idHash, check.renewal.lastSeenAt, check.renewal.idleExpiresAt);
      active = { record: { ...active.record, ...check.renewal }, user: active.user };
      // Drop the stale copy; the next request reloads it. Re-caching here would stretch the bound.
      if (cached) this.#cache.delete(idHash);
    }
    // Only a fresh load is cached, so an entry never outlives `cacheTtlMs` however busy the session.
    if (!cached && generation === this.#generation)
      this.#cache.set(idHash, active, active.record.idleExpiresAt);
    return active;
  }

  /** A live session by its storage key (the token layer's path), renewed like any use. */
  async findByIdHash(idHash: string): Promise<SessionRecord | undefined> {
    const record = await this.#o.store.get(idHash);
    if (record === undefined) return undefined;
    const check = checkSession(record, this.#o.clock.now(), this.#o.policy);
    if (check.status === 'expired') return undefined;
    if (check.renewal === undefined) return record;
    await this.#o.store.touch(idHash, check.renewal.lastSeenAt, check.renewal.idleExpiresAt);
    return { ...record, ...check.renewal };
  }

  async list(userId: string): Promise<SessionRecord[]> {
    const now = this.#o.clock.now();
    const all = await this.#o.store.listByUser(userId);
    return all
      .filter((s) => checkSession(s, now, this.#o.policy).status === 'valid')
      .sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  }

  /** Ends one session. */
  async end(idHash: string, known?: SessionRecord): Promise<boolean> {
    const record = known ?? (this.#o.onEnded === undefined ? undefined : await this.#o.store.get(idHash));
    const deleted = await this.#o.store.delete(idHash);
    this.#cache.delete(idHash);
    await this.#o.bus.publish({ type: 'session.revoked', idHash });
    if (record !== undefined) await this.#o.onEnded?.([record]);
    return deleted;
  }

  /** Ends the user's session with this public id; undefined when the user has no such session. */
  async endByPublicId(userId: string, publicId: string): Promise<SessionRecord | undefined> {
    const sessions = await this.#o.store.listByUser(userId);
    const target = sessions.find((s) => s.publicId === publicId);
    if (target === undefined) return undefined;
    await this.end(target.idHash, target);
    return target;
  }

  /** Ends every session of the user, except one (the caller's own) when given. */
  async endAll(userId: string, exceptIdHash?: string): Promise<number> {
    const listed = this.#o.onEnded === undefined ? [] : await this.#o.store.listByUser(userId);
    const count = await this.#o.store.deleteByUser(userId, exceptIdHash);
    await this.#o.bus.publish({ type: 'user.sessions_revoked', userId });
    await this.#o.onEnded?.(listed.filter((s) => s.idHash !== exceptIdHash));
    return count;
  }

  /** Replaces a session with a fresh id (after a privilege change), keeping its auth time. */
  async rotate(current: SessionRecord, ip: string, userAgent: string) {
    const next = await this.start({ userId: current.userId, ip, userAgent, authTime: current.authTime });
    await this.end(current.idHash, current);
    return next;
  }

  async sweepExpired(): Promise<number> {
    return this.#o.store.deleteExpired(this.#o.clock.now());
  }
}
