import { isRevocationType, type RevocationWire as RevocationEntry } from '@gatehouse/core/revocation-set';
import type { GuardEvent } from '../events.ts';
import type { GatehouseClient } from '../gatehouse-client.ts';
import { createSseParser } from './sse.ts';

/** The server's page size: a full page means there may be more. */
export const FEED_PAGE_SIZE = 1000;
const RETRY_INITIAL_MS = 250;
const RETRY_MAX_MS = 10_000;
/** A stream that lived this long resets the backoff. */
const STABLE_MS = 30_000;
/** The server pings every 15 s; three missed pings mean the connection is dead. */
const IDLE_TIMEOUT_MS = 45_000;

export interface RevocationFeedOptions {
  readonly client: GatehouseClient;
  readonly now: () => number;
  /** Called for every new entry, once each (usually in `seq` order; a late one may come below others). */
  readonly onEntry: (entry: RevocationEntry) => void;
  readonly onEvent: (event: GuardEvent) => void;
}

/**
 * Mirrors Gatehouse's revocation feed: catch up with `GET /revocations?after=<cursor>` (pages of
 * up to 1000, looping while full), then follow `GET /revocations/stream?after=<cursor>` (SSE
 * `event: revocation`, `: ping` every 15 s). When the stream drops, wait (exponential backoff with
 * jitter, 250 ms to 10 s), catch up again from the cursor, reconnect.
 *
 * The cursor is the server's resume point (the page's `cursor`, the event `id`), not the highest
 * `seq` applied: an entry may arrive below one already applied (it committed or was found late),
 * and resuming from the highest would skip it. Entries above the cursor are remembered by `seq`,
 * so the overlap a resume re-reads is applied once.
 */
export class RevocationFeed {
  readonly #o: RevocationFeedOptions;
  readonly #stop = new AbortController();
  readonly #ready: Promise<void>;
  #settleReady: ((error?: Error) => void) | undefined;
  #cursor = 0;
  /** Applied entries above the cursor. */
  readonly #seen = new Set<number>();
  #lastContact: number | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: RevocationFeedOptions) {
    this.#o = options;
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#settleReady = (error) => {
        this.#settleReady = undefined;
        if (error === undefined) resolve();
        else reject(error);
      };
    });
    this.#ready.catch(() => {});
  }

  /** The resume point: every entry at or below it has been applied. */
  get cursor(): number {
    return this.#cursor;
  }

  /** How long ago (ms) the mirror was last known complete; `Infinity` before the first catch-up. */
  staleness(now: number): number {
    return this.#lastContact === undefined ? Number.POSITIVE_INFINITY : now - this.#lastContact;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Resolves after the first catch-up; rejects if Gatehouse refuses the secret, or on `close()`. */
  ready(): Promise<void> {
    return this.#ready;
  }

  async close(): Promise<void> {
    this.#stop.abort();
    this.#settleReady?.(new Error('the guard was closed before the revocation feed caught up'));
    await this.#loop;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let attempt = 0;
    while (!signal.aborted) {
      let connectedAt: number | undefined;
      let error: unknown = new Error('revocation stream ended');
      let handoff: number | undefined;
      try {
        await this.#catchUp(signal);
        handoff = await this.#follow(signal, () => {
          connectedAt = this.#o.now();
        });
      } catch (caught) {
        error = caught;
        const status = (caught as { reason?: unknown }).reason;
        if (status === 'gatehouse_status_401' || status === 'gatehouse_status_403')
          this.#settleReady?.(new Error('Gatehouse refused the introspection secret on /revocations'));
      }
      if (signal.aborted) break;
      if (handoff !== undefined) {
        // The node is shutting down and said so: not a failure, so no backoff; catch up and
        // reconnect (the load balancer picks another node) after the server's `retry` (clamped to
        // 250 ms–10 s, so a server cannot make it spin), jittered.
        attempt = 0;
        const delay = Math.min(Math.max(handoff, RETRY_INITIAL_MS), RETRY_MAX_MS);
        const retryInMs = Math.round(delay * (0.5 + Math.random() / 2));
        this.#o.onEvent({ type: 'revocation_feed.handoff', retryInMs });
        await sleep(retryInMs, signal);
        continue;
      }
      if (connectedAt !== undefined && this.#o.now() - connectedAt >= STABLE_MS) attempt = 0;
      const base = Math.min(RETRY_MAX_MS, RETRY_INITIAL_MS * 2 ** attempt++);
      const retryInMs = Math.round(base * (0.5 + Math.random() / 2));
      this.#o.onEvent({ type: 'revocation_feed.disconnected', error, retryInMs });
      await sleep(retryInMs, signal);
    }
  }

  async #catchUp(signal: AbortSignal): Promise<void> {
    let applied = 0;
    for (;;) {
      const after = this.#cursor;
      const page = parsePage(await this.#o.client.getJson(`/revocations?after=${after}`, signal));
      for (const entry of page.entries) applied += this.#apply(entry);
      this.#advance(page.cursor);
      if (page.entries.length < FEED_PAGE_SIZE) break;
      if (this.#cursor === after) throw new Error('revocation feed returned a full page without progress');
    }
    this.#lastContact = this.#o.now();
    this.#settleReady?.();
    this.#o.onEvent({ type: 'revocation_feed.synced', cursor: this.#cursor, applied });
  }

  /**
   * Follows the stream until it ends. Returns the delay (ms) to reconnect after when the server
   * ended it with `event: reconnect` (it is shutting down); an unannounced end throws.
   */
  async #follow(signal: AbortSignal, connected: () => void): Promise<number> {
    const connection = new AbortController();
    const abort = () => connection.abort();
    signal.addEventListener('abort', abort, { once: true });
    let idle: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      this.#lastContact = this.#o.now();
      clearTimeout(idle);
      idle = unref(setTimeout(() => connection.abort(new Error('revocation stream idle')), IDLE_TIMEOUT_MS));
    };
    try {
      const response = await this.#o.client.openStream(
        `/revocations/stream?after=${this.#cursor}`,
        connection.signal,
      );
      const type = response.headers.get('content-type') ?? '';
      if (!/^text\/event-stream\b/i.test(type) || response.body === null) {
        await response.body?.cancel().catch(() => {});
        throw new Error(`revocation stream answered ${type || 'no content type'}`);
      }
      connected();
      touch();
      this.#o.onEvent({ type: 'revocation_feed.connected', cursor: this.#cursor });
      let retryMs = RETRY_INITIAL_MS;
      let reconnect = false;
      const parser = createSseParser({
        onEvent: (event) => {
          if (event.event === 'reconnect') {
            reconnect = true;
            return;
          }
          if (event.event !== 'revocation') return;
          this.#apply(parseEntry(JSON.parse(event.data)));
          const id = event.id === undefined ? Number.NaN : Number(event.id);
          if (isSeq(id)) this.#advance(id);
        },
        onRetry: (ms) => {
          retryMs = ms;
        },
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      // Cancel the read ourselves: a custom `fetch` may not tie the body to the abort signal.
      const cancel = () => void reader.cancel().catch(() => {});
      if (connection.signal.aborted) cancel();
      connection.signal.addEventListener('abort', cancel, { once: true });
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            if (reconnect) return retryMs;
            throw new Error('revocation stream ended');
          }
          touch();
          parser.feed(value);
        }
      } finally {
        await reader.cancel().catch(() => {});
      }
    } finally {
      clearTimeout(idle);
      signal.removeEventListener('abort', abort);
      connection.abort();
    }
  }

  /** Applies an entry unless it was seen already; returns 1 when applied. */
  #apply(entry: RevocationEntry): number {
    if (entry.seq <= this.#cursor || this.#seen.has(entry.seq)) return 0;
    this.#seen.add(entry.seq);
    if (isRevocationType(entry.type)) this.#o.onEntry(entry);
    return 1;
  }

  #advance(cursor: number): void {
    if (cursor <= this.#cursor) return;
    this.#cursor = cursor;
    for (const seq of this.#seen) if (seq <= cursor) this.#seen.delete(seq);
  }
}

function parsePage(body: unknown): { entries: RevocationEntry[]; cursor: number } {
  const b = body as { entries?: unknown; cursor?: unknown } | null;
  if (typeof b !== 'object' || b === null || !Array.isArray(b.entries) || !isSeq(b.cursor))
    throw new Error('malformed revocation page');
  return { entries: b.entries.map(parseEntry).sort((x, y) => x.seq - y.seq), cursor: b.cursor };
}

/**
 * A well-formed entry, or a thrown error: a feed that cannot be read is a feed that is down (the
 * staleness bound then applies). Unknown `type`s are accepted and skipped (newer servers).
 */
function parseEntry(value: unknown): RevocationEntry {
  const e = value as Record<string, unknown> | null;
  if (
    typeof e !== 'object' ||
    e === null ||
    !isSeq(e.seq) ||
    typeof e.type !== 'string' ||
    typeof e.value !== 'string' ||
    e.value === '' ||
    e.value.length > 1024 ||
    typeof e.at !== 'number' ||
    !Number.isFinite(e.at) ||
    typeof e.expires_at !== 'number' ||
    !Number.isFinite(e.expires_at)
  ) {
    throw new Error('malformed revocation entry');
  }
  return {
    seq: e.seq,
    type: e.type as RevocationEntry['type'],
    value: e.value,
    at: e.at,
    expires_at: e.expires_at,
  };
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = unref(setTimeout(done, ms));
    signal.addEventListener('abort', done, { once: true });
  });
}

function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
