import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SequenceTracker } from '../src/sequence-tracker.ts';

describe('SequenceTracker', () => {
  it('moves the watermark over contiguous numbers, in any arrival order', () => {
    const t = new SequenceTracker({ settleMs: 1000 });
    expect(t.add(2, 0)).toBe(true);
    t.advance(0);
    expect(t.watermark).toBe(0);
    expect(t.hasGaps).toBe(true);
    expect(t.add(1, 0)).toBe(true);
    t.advance(0);
    expect(t.watermark).toBe(2);
    expect(t.hasGaps).toBe(false);
    expect(t.add(2, 0)).toBe(false);
    expect(t.add(1, 0)).toBe(false);
  });

  it('holds the watermark below a gap until it has persisted for settleMs, then passes it', () => {
    const t = new SequenceTracker({ settleMs: 1000 });
    t.add(1, 0);
    t.add(4, 100); // 2 and 3 are missing from t=100
    t.advance(100);
    expect(t.watermark).toBe(1);
    t.add(3, 500);
    t.advance(1099);
    expect(t.watermark).toBe(1);
    t.advance(1100);
    expect(t.watermark).toBe(4);
    expect(t.hasGaps).toBe(false);
    expect(t.has(2)).toBe(true); // given up on
  });

  it('gives each gap its own settle time', () => {
    const t = new SequenceTracker({ settleMs: 1000 });
    t.add(2, 0); // gap 1, noticed at 0
    t.add(4, 800); // gap 3, noticed at 800
    t.advance(1000);
    expect(t.watermark).toBe(2);
    t.advance(1799);
    expect(t.watermark).toBe(2);
    t.advance(1800);
    expect(t.watermark).toBe(4);
  });

  it('passes every gap at once when told to (a bulk load)', () => {
    const t = new SequenceTracker({ settleMs: 60_000 });
    for (const seq of [5, 9, 10, 400]) t.add(seq, 0);
    t.advance(0, 0);
    expect(t.watermark).toBe(400);
    expect(t.hasGaps).toBe(false);
  });

  it('never passes a number that was neither seen nor settled (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 50 })), {
          maxLength: 80,
        }),
        (arrivals) => {
          const settleMs = 100;
          const t = new SequenceTracker({ settleMs });
          const seen = new Set<number>();
          let now = 0;
          for (const [seq, wait] of arrivals) {
            now += wait;
            t.add(seq, now);
            seen.add(seq);
            t.advance(now);
            // Below the watermark: seen, or missing since before now − settleMs (so the gap
            // was noticed at least settleMs ago, which needs a higher number to have arrived).
            for (let s = 1; s <= t.watermark; s++)
              if (!seen.has(s)) expect(now).toBeGreaterThanOrEqual(settleMs);
            expect(t.watermark).toBeLessThanOrEqual(Math.max(0, ...seen));
          }
        },
      ),
    );
  });
});
