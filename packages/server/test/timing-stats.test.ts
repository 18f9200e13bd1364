import { describe, expect, it } from 'vitest';
import {
  analyse,
  bootstrapMedianCI,
  formatAnalysis,
  MAX_NOISE_FLOOR_MS,
  median,
  noiseFloor,
  type Pair,
  quantile,
  seededRandom,
  vote,
} from './timing-stats.ts';

/**
 * The checklist's noise model: lognormal jitter with a 3 ms median, 4% stalls of 20–250 ms and
 * ±8 ms drift, on a 50 ms base; class B is `delta` ms slower.
 */
function synthetic(n: number, delta: number, seed: number): Pair[] {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const jitter = () => Math.exp(Math.log(3) + 0.5 * normal());
  const stall = () => (random() < 0.04 ? 20 + random() * 230 : 0);
  const pairs: Pair[] = [];
  for (let i = 0; i < n; i++) {
    const drift = 8 * Math.sin((2 * Math.PI * i) / n);
    const base = 50 + drift;
    pairs.push({ a: base + jitter() + stall(), b: base + delta + jitter() + stall() });
  }
  return pairs;
}

const SEEDS = Array.from({ length: 10 }, (_, i) => 1000 + i);

describe('timing statistics', () => {
  it('quantile and median interpolate like R type 7', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.1)).toBeCloseTo(2);
    expect(quantile([10, 20], 0)).toBe(10);
    expect(quantile([10, 20], 1)).toBe(20);
    expect(() => median([])).toThrow();
  });

  it('the seeded PRNG is reproducible and roughly uniform', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(median(xs)).toBeCloseTo(0.5, 1);
  });

  it('the bootstrap CI of a constant is that constant, and otherwise brackets the median', () => {
    expect(bootstrapMedianCI([5, 5, 5, 5])).toEqual([5, 5]);
    const values = synthetic(150, 0, 7).map((p) => p.a);
    const [lo, hi] = bootstrapMedianCI(values);
    expect(lo).toBeLessThanOrEqual(median(values));
    expect(hi).toBeGreaterThanOrEqual(median(values));
    expect(hi - lo).toBeLessThan(5);
  });

  it('an A/A control under the noise model has a small noise floor', () => {
    for (const seed of SEEDS) expect(noiseFloor(synthetic(150, 0, seed))).toBeLessThan(2);
  });

  it.each([0, 2])('a synthetic %i ms difference is not flagged (PASS or SUSPICIOUS, never LEAK)', (delta) => {
    for (const seed of SEEDS) {
      const floor = noiseFloor(synthetic(150, 0, seed + 500));
      const analysis = analyse(synthetic(150, delta, seed), floor);
      expect(['PASS', 'SUSPICIOUS'], formatAnalysis(`Δ=${delta} seed ${seed}`, analysis)).toContain(
        analysis.verdict,
      );
      expect(analysis.tau).toBeGreaterThanOrEqual(5);
    }
  });

  it('a synthetic 0 ms difference passes outright', () => {
    const verdicts = SEEDS.map(
      (seed) => analyse(synthetic(150, 0, seed), noiseFloor(synthetic(150, 0, seed + 500))).verdict,
    );
    expect(verdicts.filter((v) => v === 'PASS').length).toBeGreaterThanOrEqual(8);
    expect(vote(verdicts.slice(0, 3))).toBe('pass');
  });

  it.each([30, -30, 15])('a synthetic %i ms difference is flagged as LEAK', (delta) => {
    for (const seed of SEEDS) {
      const floor = noiseFloor(synthetic(150, 0, seed + 500));
      const analysis = analyse(synthetic(150, delta, seed), floor);
      expect(analysis.verdict, formatAnalysis(`Δ=${delta} seed ${seed}`, analysis)).toBe('LEAK');
      expect(analysis.estimate).toBeCloseTo(delta, -1);
      expect(analysis.ci[0] <= delta && delta <= analysis.ci[1] + 3).toBe(true);
    }
  });

  it('τ is max(5 ms, 10% of median(A), 3·F)', () => {
    const flat = (a: number, b: number, n = 50): Pair[] => Array.from({ length: n }, () => ({ a, b }));
    expect(analyse(flat(20, 20), 0).tau).toBe(5);
    expect(analyse(flat(200, 200), 0).tau).toBeCloseTo(20);
    expect(analyse(flat(20, 20), 3).tau).toBe(9);
    // 12 ms over a 200 ms median is below τ = 20 ms: a consistent offset that small is only SUSPICIOUS.
    expect(analyse(flat(200, 212), 0).verdict).toBe('SUSPICIOUS');
    expect(analyse(flat(200, 230), 0).verdict).toBe('LEAK');
  });

  it('a noise floor above 10 ms makes any run INCONCLUSIVE', () => {
    const analysis = analyse(synthetic(150, 30, 1), MAX_NOISE_FLOOR_MS + 0.1);
    expect(analysis.verdict).toBe('INCONCLUSIVE');
    // A very noisy A/A control yields such a floor.
    const random = seededRandom(3);
    const noisy: Pair[] = Array.from({ length: 60 }, () => ({
      a: 50 + random() * 400,
      b: 50 + random() * 400,
    }));
    expect(noiseFloor(noisy)).toBeGreaterThan(MAX_NOISE_FLOOR_MS);
  });

  it('a large effect whose CI still includes 0 is INCONCLUSIVE, not PASS', () => {
    // Half the pairs +40 ms, half −30 ms: median 40 (n odd) but the CI spans 0.
    const pairs: Pair[] = Array.from({ length: 41 }, (_, i) => ({ a: 50, b: i % 2 === 0 ? 90 : 20 }));
    const analysis = analyse(pairs, 0);
    expect(analysis.ciExcludesZero).toBe(false);
    expect(Math.abs(analysis.estimate)).toBeGreaterThan(analysis.tau);
    expect(analysis.verdict).toBe('INCONCLUSIVE');
  });

  it('votes 2 of 3', () => {
    expect(vote(['LEAK'])).toBe('undecided');
    expect(vote(['LEAK', 'LEAK'])).toBe('fail');
    expect(vote(['LEAK', 'PASS'])).toBe('undecided');
    expect(vote(['LEAK', 'PASS', 'LEAK'])).toBe('fail');
    expect(vote(['LEAK', 'PASS', 'PASS'])).toBe('pass');
    expect(vote(['PASS', 'SUSPICIOUS'])).toBe('pass');
    expect(vote(['LEAK', 'INCONCLUSIVE', 'PASS'])).toBe('inconclusive');
    expect(vote(['INCONCLUSIVE', 'INCONCLUSIVE', 'INCONCLUSIVE'])).toBe('inconclusive');
  });
});
