import { describe, expect, it } from 'vitest';
import { median, medianInterval } from '../stats.ts';

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
