/**
 * The hybrid model's server-side control: a revocation index of still-unexpired access tokens.
 * Entries are kept only until every token they could match has expired; resource servers mirror
 * them through the revocation feed so they refuse revoked tokens without a per-request call.
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
export type RevocationType = 'sid' | 'jti' | 'sub' | 'perm' | 'key' | 'kid' | 'nbf';

/** Claims (and the signing key) of a token, as the revocation checks read them; `iat` in seconds. */
export interface RevocableToken {
  readonly sid?: string | undefined;
  readonly jti?: string | undefined;
  readonly sub?: string | undefined;
  readonly iat?: number | undefined;
  /** The `kid` of the token's JOSE header. */
  readonly kid?: string | undefined;
}

export interface RevocationEntry {
  /** Position in the feed; strictly increasing. */
  readonly seq: number;
  readonly type: RevocationType;
  readonly value: string;
  /** When it was revoked (ms since epoch). */
  readonly at: number;
  /** When it can be forgotten (ms since epoch). */
  readonly expiresAt: number;
}

export interface NewRevocation {
  type: RevocationType;
  value: string;
  at: number;
  expiresAt: number;
}

export interface RevocationStore {
  /** Appends entries atomically and returns them with their sequence numbers. */
  append(entries: readonly NewRevocation[]): Promise<RevocationEntry[]>;
  /** Entries after `seq` that have not expired at `now`, ascending, at most `limit`. */
  after(seq: number, now: number, limit: number): Promise<RevocationEntry[]>;
  deleteExpired(now: number): Promise<number>;
}

/** The feed's wire shape (times in seconds, as in JWT claims). */
export interface RevocationWire {
  seq: number;
  type: RevocationType;
  value: string;
  at: number;
  expires_at: number;
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

/**
 * An in-memory mirror of the index that answers "is this token revoked?" in O(1). Fed by the
 * server's own appends and by other nodes' (through the invalidation bus).
 */
export class RevocationSet {
  readonly #sids = new Map<string, number>();
  readonly #jtis = new Map<string, number>();
  readonly #subs = new Map<string, { at: number; expiresAt: number }>();
  readonly #kids = new Map<string, number>();
  readonly #cutoffs = new Map<string, { at: number; expiresAt: number }>();
  #cursor = 0;

  get cursor(): number {
    return this.#cursor;
  }

  apply(entry: RevocationEntry): void {
    if (entry.seq > this.#cursor) this.#cursor = entry.seq;
    if (entry.type === 'sid') this.#sids.set(entry.value, entry.expiresAt);
    else if (entry.type === 'jti') this.#jtis.set(entry.value, entry.expiresAt);
    else if (entry.type === 'sub') keepLatestCut(this.#subs, entry);
    else if (entry.type === 'kid') this.#kids.set(entry.value, entry.expiresAt);
    else if (entry.type === 'nbf') keepLatestCut(this.#cutoffs, entry);
  }

  /** The latest sign-out cut-off (ms) for `subject`: its own or everyone's (`*`). */
  cutOffAt(subject: string): number | undefined {
    const own = this.#cutoffs.get(subject)?.at;
    const everyone = this.#cutoffs.get('*')?.at;
    if (own === undefined) return everyone;
    return everyone === undefined ? own : Math.max(own, everyone);
  }

  /** True when the signing key `kid` was revoked. */
  isKeyRevoked(kid: string | undefined): boolean {
    return kid !== undefined && this.#kids.has(kid);
  }

  isRevoked(token: RevocableToken): boolean {
    if (this.isKeyRevoked(token.kid)) return true;
    if (token.sid !== undefined && this.#sids.has(token.sid)) return true;
    if (token.jti !== undefined && this.#jtis.has(token.jti)) return true;
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

  prune(now: number): void {
    for (const [key, expiresAt] of this.#sids) if (expiresAt <= now) this.#sids.delete(key);
    for (const [key, expiresAt] of this.#jtis) if (expiresAt <= now) this.#jtis.delete(key);
    for (const [key, value] of this.#subs) if (value.expiresAt <= now) this.#subs.delete(key);
    for (const [key, expiresAt] of this.#kids) if (expiresAt <= now) this.#kids.delete(key);
    for (const [key, value] of this.#cutoffs) if (value.expiresAt <= now) this.#cutoffs.delete(key);
  }
}

/** Keeps the latest cut-off of a subject (and the latest expiry with it). */
function keepLatestCut(map: Map<string, { at: number; expiresAt: number }>, entry: RevocationEntry): void {
  const previous = map.get(entry.value);
  if (previous === undefined || previous.at < entry.at)
    map.set(entry.value, { at: entry.at, expiresAt: Math.max(entry.expiresAt, previous?.expiresAt ?? 0) });
}
