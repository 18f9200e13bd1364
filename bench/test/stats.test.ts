import { describe, expect, it } from 'vitest';
import { clusteredMedianInterval, median, medianInterval } from '../stats.ts';

describe('median', () => {
  it('is the middle value, the lower middle one for an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2);
    expect(median([])).toBeNaN();
  });
});

describe('medianInterval', () => {
  // A fixed, noisy-looking sample of round ratios around 1.0.
  const rounds = [1.05, 0.9, 0.9, 0.93, 1.09, 0.85, 1.03, 0.99, 0.98, 0.94, 1.03, 0.98, 0.89, 1.01, 1.02];

  it('brackets the median and stays within the data', () => {
    const [low, high] = medianInterval(rounds);
    expect(low).toBeLessThanOrEqual(median(rounds));
    expect(high).toBeGreaterThanOrEqual(median(rounds));
    expect(low).toBeGreaterThanOrEqual(Math.min(...rounds));
    expect(high).toBeLessThanOrEqual(Math.max(...rounds));
    expect(high).toBeGreaterThan(low);
  });

  it('is the same for the same data (seeded), and collapses when every round agrees', () => {
    expect(medianInterval(rounds)).toEqual(medianInterval(rounds));
    expect(medianInterval([0.97, 0.97, 0.97])).toEqual([0.97, 0.97]);
    expect(medianInterval([]).every(Number.isNaN)).toBe(true);
  });

  it('narrows as rounds accumulate, and a lower level gives a narrower interval', () => {
    const width = ([low, high]: [number, number]) => high - low;
    const many = Array.from({ length: 8 }, () => rounds).flat();
    expect(width(medianInterval(many))).toBeLessThan(width(medianInterval(rounds)));
    expect(width(medianInterval(rounds, 0.5))).toBeLessThan(width(medianInterval(rounds, 0.95)));
  });
});

describe('clusteredMedianInterval', () => {
  it('is medianInterval when every group holds one value', () => {
    const values = [1.02, 0.97, 1.1, 0.93, 1.0, 0.99, 1.05];
    expect(clusteredMedianInterval(values.map((v) => [v]))).toEqual(medianInterval(values));
  });

  it('is wider when the groups disagree than when the same values are spread evenly over them', () => {
    // The same 18 values, 0.91 … 1.08: in groups of neighbours (each group shifted by its cause),
    // and dealt round-robin so every group spans the whole range.
    const values = Array.from({ length: 18 }, (_, i) => 0.91 + i * 0.01);
    const byCause = Array.from({ length: 6 }, (_, g) => values.slice(g * 3, g * 3 + 3));
    const mixed = Array.from({ length: 6 }, (_, g) => [values[g]!, values[g + 6]!, values[g + 12]!]);
    const width = ([low, high]: [number, number]) => high - low;
    expect(width(clusteredMedianInterval(byCause))).toBeGreaterThan(width(clusteredMedianInterval(mixed)));
  });
});
