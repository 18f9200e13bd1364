import type { Clock } from './clock.ts';
import type { LifecycleEvents } from './lifecycle-events.ts';
import type { InvalidationBus, SessionStore, UserRecord, UserRepository } from './ports.ts';
import {
  checkSession,
  hashSessionToken,
  isWellFormedSessionToken,
  newSession,
  type SessionAuthMethod,
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
   * Where `SessionsEnded` (every session that ends through this manager: logout, revocation, user
   * disable, password change — after the store forgot it) and `UserSignedOut` (after a cut-off, once
   * the user's sessions are deleted) are published: the token side and the OAuth side revoke what
   * hangs off them. Awaited, so a subscriber's failure is the caller's.
   */
  events?: LifecycleEvents;
  /**
   * Mass sign-out (`endAll` without an exception, `endEveryone`): writes the not-before cut-off of
   * the user (or `*`) and resolves once it has passed; only then are sessions deleted. Every access
   * token from before it is refused through the revocation feed, so nothing depends on a list of
   * sessions read before the delete (a session created in between kept its tokens). A step of the
   * sign-out, not an event: it must be done before anything else, by one callee (the revocation index).
   */
  cutOff?: (subject: string) => Promise<unknown>;
  /**
   * The latest sign-out cut-off that applies to the user (theirs or everyone's), from the
   * revocation index: a session created before it is treated as ended at once on every node, before
   * the mass sign-out has deleted it.
   */
  signedOutAt?: (userId: string) => number | undefined;
}

const USER_PAGE = 500;

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

  async start(input: {
    userId: string;
    ip: string;
    userAgent: string;
    authTime?: number;
    authMethod?: SessionAuthMethod;
  }): Promise<{ token: string; record: SessionRecord }> {
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
    if (this.#signedOut(active.record)) return undefined;
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
    if (this.#signedOut(active.record)) return undefined;
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
    if (record === undefined || this.#signedOut(record)) return undefined;
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
      .filter((s) => checkSession(s, now, this.#o.policy).status === 'valid' && !this.#signedOut(s))
      .sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  }

  /** Ends one session. */
  async end(idHash: string, known?: SessionRecord): Promise<boolean> {
    const record = known ?? (this.#o.events === undefined ? undefined : await this.#o.store.get(idHash));
    const deleted = await this.#o.store.delete(idHash);
    this.#cache.delete(idHash);
    await this.#o.bus.publish({ type: 'session.revoked', idHash });
    if (record !== undefined) await this.#o.events?.publish({ type: 'SessionsEnded', sessions: [record] });
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

  /**
   * Ends every session of the user. With a cut-off hook: the cut-off first, then every session is
   * deleted. Keeping one (the caller's own) cannot use a cut-off (it would refuse that session's
   * tokens too), so then exactly the sessions listed are ended, each with its own revocation; one
   * created after the list is left alone, whole.
   */
  async endAll(userId: string, exceptIdHash?: string): Promise<number> {
    if (exceptIdHash !== undefined || this.#o.cutOff === undefined)
      return this.#endListed(userId, exceptIdHash);
    await this.#o.cutOff(userId);
    return this.#deleteAll(userId);
  }

  /**
   * Signs everyone out: the `*` cut-off, then every user's sessions. Users are walked page by
   * page; whatever a page misses (a user created meanwhile) began after the cut-off anyway.
   */
  async endEveryone(): Promise<number> {
    if (this.#o.cutOff === undefined) throw new Error('endEveryone needs the cut-off hook');
    await this.#o.cutOff('*');
    let ended = 0;
    for (let offset = 0; ; offset += USER_PAGE) {
      const users = await this.#o.users.list({ limit: USER_PAGE, offset });
      for (const user of users) ended += await this.#deleteAll(user.id);
      if (users.length < USER_PAGE) return ended;
    }
  }

  /**
   * Ended by a sign-out whose deletion may not have reached it yet. The cut-off is the whole second
   * after the entry was written, so only sessions older than a second before it surely predate the
   * sign-out; those of that last second (and any clock that stood still) end at the deletion.
   */
  #signedOut(record: SessionRecord): boolean {
    const cutoff = this.#o.signedOutAt?.(record.userId);
    return cutoff !== undefined && record.createdAt < cutoff - 1000;
  }

  async #endListed(userId: string, exceptIdHash: string | undefined): Promise<number> {
    const ended: SessionRecord[] = [];
    for (const session of await this.#o.store.listByUser(userId)) {
      if (session.idHash === exceptIdHash) continue;
      if (await this.#o.store.delete(session.idHash)) ended.push(session);
    }
    await this.#o.bus.publish({ type: 'user.sessions_revoked', userId });
    await this.#o.events?.publish({ type: 'SessionsEnded', sessions: ended });
    return ended.length;
  }

  async #deleteAll(userId: string): Promise<number> {
    const count = await this.#o.store.deleteByUser(userId);
    await this.#o.bus.publish({ type: 'user.sessions_revoked', userId });
    await this.#o.events?.publish({ type: 'UserSignedOut', userId });
    return count;
  }

  /** Replaces a session with a fresh id (after a privilege change), keeping how and when it authenticated. */
  async rotate(
    current: SessionRecord,
    ip: string,
    userAgent: string,
  ): Promise<{ token: string; record: SessionRecord }> {
    const next = await this.start({
      userId: current.userId,
      ip,
      userAgent,
      authTime: current.authTime,
      authMethod: current.authMethod,
    });
    await this.end(current.idHash, current);
    return next;
  }

  async sweepExpired(): Promise<number> {
    return this.#o.store.deleteExpired(this.#o.clock.now());
  }
}
