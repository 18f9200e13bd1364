/**
 * Which sequence numbers of an append-only log a mirror has applied, and its watermark: the point
 * below which nothing more is expected, so catch-up reads start there.
 *
 * A missing number is a gap. In PostgreSQL a gap is usually a concurrent insert that drew its
 * number first but has not committed yet (sequences are handed out in order, commits land in any
 * order), and it fills within milliseconds; but it may also be an insert that rolled back, or an
 * entry that expired before we read it, and those never fill. So a gap is only passed once it has
 * persisted for `settleMs`: until then the watermark stays below it and every catch-up re-reads
 * the entries above it (a short trailing window). An entry that commits later than that still
 * arrives through pub/sub (applied whatever the watermark); only a catch-up would miss it.
 */
export class SequenceTracker {
  readonly #settleMs: number;
  #watermark: number;
  #max: number;
  /** Applied numbers above the watermark. */
  readonly #seen = new Set<number>();
  /** Runs of missing numbers above the watermark, ascending, with when each was first noticed. */
  #gaps: { from: number; to: number; since: number }[] = [];

  constructor(options: { settleMs: number; start?: number }) {
    this.#settleMs = options.settleMs;
    this.#watermark = options.start ?? 0;
    this.#max = this.#watermark;
  }

  /** Every number at or below it was applied, or given up on. */
  get watermark(): number {
    return this.#watermark;
  }

  /** The highest number applied. */
  get max(): number {
    return this.#max;
  }

  /** True while numbers below `max` are missing (a catch-up is due). */
  get hasGaps(): boolean {
    return this.#gaps.length > 0;
  }

  /** True when `seq` is known applied (or was given up on: at or below the watermark). */
  has(seq: number): boolean {
    return seq <= this.#watermark || this.#seen.has(seq);
  }

  /** Records an applied number; returns false when it was already known. */
  add(seq: number, now: number): boolean {
    if (this.has(seq)) return false;
    if (seq > this.#max) {
      if (seq > this.#max + 1) this.#gaps.push({ from: this.#max + 1, to: seq - 1, since: now });
      this.#max = seq;
    }
    this.#seen.add(seq);
    return true;
  }

  /**
   * Gives up on every gap older than `settleMs` (a bulk load passes 0: nothing it could not read is
   * still in flight that pub/sub would not deliver) and moves the watermark up as far as it can.
   */
  advance(now: number, settleMs: number = this.#settleMs): void {
    for (;;) {
      const next = this.#watermark + 1;
      if (this.#seen.delete(next)) {
        this.#watermark = next;
        continue;
      }
      const gap = this.#gaps[0];
      if (gap !== undefined && gap.to < next) {
        this.#gaps.shift();
        continue;
      }
      if (next > this.#max || gap === undefined) break;
      if (now - gap.since < settleMs) break;
      this.#gaps.shift();
      for (const seq of this.#seen) if (seq <= gap.to) this.#seen.delete(seq);
      this.#watermark = gap.to;
    }
  }
}
