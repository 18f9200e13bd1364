/**
 * The revocation entry — its types, its one wire shape — and the in-memory set that answers "is
 * this token revoked?", shared by every server node and every guard (portable: no `node:` import).
 *
 * - `sid`: tokens whose `sid` claim is `value` (a session that ended);
 * - `jti`: the one token with that id;
 * - `sub`: tokens of subject `value` issued at or before `at` (a disabled user);
 * - `perm`: not a revocation — the permissions of subject `value` (`*`: everyone) changed; guards
 *   drop what they cached;
 * - `key`: the API key with id `value` was revoked or rotated; guards drop what they cached of it
 *   and ask the server again (which then refuses a revoked key);
 * - `kid`: every token signed by the signing key `value` (a leaked key, `gatehouse keys revoke`);
 *   checked before the signature, so a verifier's cached JWKS cannot bring the key back;
 * - `nbf`: a sign-out cut-off: tokens of subject `value` (`*`: everyone) with `iat * 1000 < at`.
 *   `at` is a whole second (iat has no finer grain), so a token is either before it or not.
 */
export const REVOCATION_TYPES = ['sid', 'jti', 'sub', 'perm', 'key', 'kid', 'nbf'] as const;

export type RevocationType = (typeof REVOCATION_TYPES)[number];

export function isRevocationType(value: unknown): value is RevocationType {
  return typeof value === 'string' && (REVOCATION_TYPES as readonly string[]).includes(value);
}

/** An entry of the revocation index (times in ms since the epoch). */
export interface RevocationEntry {
  /** Position in the feed; strictly increasing. */
  readonly seq: number;
  readonly type: RevocationType;
  readonly value: string;
  /** When it was revoked. */
  readonly at: number;
  /** When it can be forgotten: no token it matches is still accepted. */
  readonly expiresAt: number;
}

/** The feed's wire shape (times in seconds, as in JWT claims): the one the guard reads. */
export interface RevocationWire {
  readonly seq: number;
  readonly type: RevocationType;
  readonly value: string;
  readonly at: number;
  readonly expires_at: number;
}

export function toWire(entry: RevocationEntry): RevocationWire {
  return {
    seq: entry.seq,
    type: entry.type,
    value: entry.value,
    at: Math.floor(entry.at / 1000),
    expires_at: Math.ceil(entry.expiresAt / 1000),
  };
}

export function fromWire(wire: RevocationWire): RevocationEntry {
  return {
    seq: wire.seq,
    type: wire.type,
    value: wire.value,
    at: wire.at * 1000,
    expiresAt: wire.expires_at * 1000,
  };
}

/** Claims (and the signing key) of a token, as the revocation checks read them; `iat` in seconds. */
export interface RevocableToken {
  readonly sid?: string | undefined;
  readonly jti?: string | undefined;
  readonly sub?: string | undefined;
  readonly iat?: number | undefined;
  /** The `kid` of the token's JOSE header. */
  readonly kid?: string | undefined;
}

type Cut = { at: number; expiresAt: number };

/**
 * A mirror of the index that answers in a few map lookups, so it runs on every request (cached
 * tokens included). Fed by a node's own appends and the bus, or by a guard's feed. Entries are kept
 * until `expiresAt` plus `graceMs` (a verifier that accepts a token that long past its `exp`).
 */
export class RevocationSet {
  readonly #sids = new Map<string, number>();
  readonly #jtis = new Map<string, number>();
  readonly #subs = new Map<string, Cut>();
  readonly #kids = new Map<string, number>();
  readonly #cutoffs = new Map<string, Cut>();
  readonly #graceMs: number;
  #cursor = 0;

  constructor(options: { readonly graceMs?: number } = {}) {
    this.#graceMs = options.graceMs ?? 0;
  }

  /** The highest `seq` applied. */
  get cursor(): number {
    return this.#cursor;
  }

  apply(entry: RevocationEntry): void {
    if (entry.seq > this.#cursor) this.#cursor = entry.seq;
    if (entry.type === 'sid') keepLatest(this.#sids, entry.value, entry.expiresAt);
    else if (entry.type === 'jti') keepLatest(this.#jtis, entry.value, entry.expiresAt);
    else if (entry.type === 'sub') keepLatestCut(this.#subs, entry);
    else if (entry.type === 'kid') keepLatest(this.#kids, entry.value, entry.expiresAt);
    else if (entry.type === 'nbf') keepLatestCut(this.#cutoffs, entry);
  }

  /** The latest sign-out cut-off (ms) for `subject`: its own or everyone's (`*`). */
  cutOffAt(subject: string): number | undefined {
    const own = this.#cutoffs.get(subject)?.at;
    const everyone = this.#cutoffs.get('*')?.at;
    if (own === undefined) return everyone;
    return everyone === undefined ? own : Math.max(own, everyone);
  }

  /**
   * Whether the signing key `kid` was revoked. Checked before the signature: the key may still be
   * in a cached JWKS, and whoever leaked it can sign anything.
   */
  isKeyRevoked(kid: string | undefined): boolean {
    return kid !== undefined && this.#kids.size > 0 && this.#kids.has(kid);
  }

  get hasRevokedKeys(): boolean {
    return this.#kids.size > 0;
  }

  isRevoked(token: RevocableToken): boolean {
    if (this.isKeyRevoked(token.kid)) return true;
    if (token.jti !== undefined && this.#jtis.size > 0 && this.#jtis.has(token.jti)) return true;
    if (token.sid !== undefined && this.#sids.size > 0 && this.#sids.has(token.sid)) return true;
    // iat and the cut-offs both come from Gatehouse's clock: no tolerance applies.
    const issuedAt = (token.iat ?? 0) * 1000;
    if (token.sub !== undefined) {
      const revoked = this.#subs.get(token.sub);
      if (revoked !== undefined && issuedAt <= revoked.at) return true;
      const cut = this.#cutoffs.get(token.sub);
      if (cut !== undefined && issuedAt < cut.at) return true;
    }
    const everyone = this.#cutoffs.get('*');
    return everyone !== undefined && issuedAt < everyone.at;
  }

  /** Forgets entries that can no longer match an accepted token. */
  prune(now: number): void {
    const horizon = now - this.#graceMs;
    for (const [key, expiresAt] of this.#sids) if (expiresAt <= horizon) this.#sids.delete(key);
    for (const [key, expiresAt] of this.#jtis) if (expiresAt <= horizon) this.#jtis.delete(key);
    for (const [key, value] of this.#subs) if (value.expiresAt <= horizon) this.#subs.delete(key);
    for (const [key, expiresAt] of this.#kids) if (expiresAt <= horizon) this.#kids.delete(key);
    for (const [key, value] of this.#cutoffs) if (value.expiresAt <= horizon) this.#cutoffs.delete(key);
  }

  get size(): number {
    return this.#sids.size + this.#jtis.size + this.#subs.size + this.#kids.size + this.#cutoffs.size;
  }

  clear(): void {
    this.#sids.clear();
    this.#jtis.clear();
    this.#subs.clear();
    this.#kids.clear();
    this.#cutoffs.clear();
  }
}

function keepLatest(map: Map<string, number>, key: string, expiresAt: number): void {
  map.set(key, Math.max(map.get(key) ?? expiresAt, expiresAt));
}

/** Keeps the latest cut-off of a subject, and the latest expiry with it. */
function keepLatestCut(map: Map<string, Cut>, entry: RevocationEntry): void {
  const previous = map.get(entry.value);
  map.set(entry.value, {
    at: Math.max(previous?.at ?? entry.at, entry.at),
    expiresAt: Math.max(previous?.expiresAt ?? entry.expiresAt, entry.expiresAt),
  });
}
