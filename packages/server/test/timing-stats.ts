/**
 * Statistics for remote timing tests (security checklist §17, "Statistical method"): paired
 * differences from interleaved samples, the median with a bootstrap 95% CI, a noise floor from an
 * A/A control, and the LEAK / PASS / SUSPICIOUS / INCONCLUSIVE decision with 2-of-3 voting.
 */

export type Verdict = 'LEAK' | 'PASS' | 'SUSPICIOUS' | 'INCONCLUSIVE';

/** One interleaved pair: the time of a class-A request and of a class-B request, in ms. */
export interface Pair {
  a: number;
  b: number;
}

/** A small seeded PRNG (mulberry32), so bootstrap results are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Linear-interpolated quantile (type 7, as R and NumPy default) of unsorted values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new Error('quantile of an empty sample');
  const sorted = [...values].sort((x, y) => x - y);
  return quantileSorted(sorted, q);
}

function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower]!;
  const high = sorted[upper]!;
  return low + (high - low) * (position - lower);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Percentile bootstrap CI for the median (default: 2 000 resamples, 95%). */
export function bootstrapMedianCI(
  values: readonly number[],
  options: { resamples?: number; confidence?: number; random?: () => number } = {},
): [number, number] {
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const random = options.random ?? seededRandom(0x5eed);
  const n = values.length;
  if (n === 0) throw new Error('bootstrap of an empty sample');
  const medians = new Float64Array(resamples);
  const sample = new Float64Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) sample[i] = values[Math.floor(random() * n)]!;
    sample.sort();
    medians[r] = quantileSorted(sample, 0.5);
  }
  medians.sort();
  const alpha = (1 - confidence) / 2;
  return [quantileSorted(medians, alpha), quantileSorted(medians, 1 - alpha)];
}

export interface Analysis {
  n: number;
  /** median(d), d = t_B − t_A, in ms. */
  estimate: number;
  ci: [number, number];
  ciExcludesZero: boolean;
  /** The threshold: max(5 ms, 10% of median(A), 3·F). */
  tau: number;
  noiseFloor: number;
  verdict: Verdict;
  a: { p10: number; p50: number };
  b: { p10: number; p50: number };
}

export const MIN_TAU_MS = 5;
export const MAX_NOISE_FLOOR_MS = 10;

/** The noise floor F of an A/A control: the larger absolute bound of its CI. */
export function noiseFloor(control: readonly Pair[], random?: () => number): number {
  const ci = bootstrapMedianCI(
    control.map((p) => p.b - p.a),
    random === undefined ? {} : { random },
  );
  return Math.max(Math.abs(ci[0]), Math.abs(ci[1]));
}

/**
 * Decision for one run:
 * - INCONCLUSIVE when the noise floor F exceeds 10 ms (the environment is too noisy to judge), or
 *   when the effect exceeds τ but the CI still includes 0 (too noisy to call either way);
 * - LEAK when the CI excludes 0 and |estimate| > τ;
 * - SUSPICIOUS when the CI excludes 0 but |estimate| ≤ τ (a warning, not a failure);
 * - PASS when |estimate| ≤ τ and the CI includes 0.
 */
export function analyse(pairs: readonly Pair[], floor: number, random?: () => number): Analysis {
  const d = pairs.map((p) => p.b - p.a);
  const as = pairs.map((p) => p.a);
  const bs = pairs.map((p) => p.b);
  const estimate = median(d);
  const ci = bootstrapMedianCI(d, random === undefined ? {} : { random });
  const ciExcludesZero = ci[0] > 0 || ci[1] < 0;
  const tau = Math.max(MIN_TAU_MS, 0.1 * median(as), 3 * floor);
  let verdict: Verdict;
  if (floor > MAX_NOISE_FLOOR_MS) verdict = 'INCONCLUSIVE';
  else if (Math.abs(estimate) <= tau) verdict = ciExcludesZero ? 'SUSPICIOUS' : 'PASS';
  else verdict = ciExcludesZero ? 'LEAK' : 'INCONCLUSIVE';
  return {
    n: pairs.length,
    estimate,
    ci,
    ciExcludesZero,
    tau,
    noiseFloor: floor,
    verdict,
    a: { p10: quantile(as, 0.1), p50: quantile(as, 0.5) },
    b: { p10: quantile(bs, 0.1), p50: quantile(bs, 0.5) },
  };
}

export type Outcome = 'fail' | 'pass' | 'inconclusive' | 'undecided';

/**
 * 2-of-3 voting over up to three runs: fail when at least two runs say LEAK, pass when at least two
 * say PASS or SUSPICIOUS; "undecided" means another run is needed; after three runs anything else
 * is inconclusive (skip loudly, never pass silently).
 */
export function vote(verdicts: readonly Verdict[]): Outcome {
  const leaks = verdicts.filter((v) => v === 'LEAK').length;
  const passes = verdicts.filter((v) => v === 'PASS' || v === 'SUSPICIOUS').length;
  if (leaks >= 2) return 'fail';
  if (passes >= 2) return 'pass';
  if (verdicts.length >= 3) return 'inconclusive';
  return 'undecided';
}

export function formatAnalysis(label: string, analysis: Analysis): string {
  const ms = (x: number) => `${x.toFixed(2)} ms`;
  return [
    `${label}: ${analysis.verdict}`,
    `n=${analysis.n} median(d)=${ms(analysis.estimate)} 95% CI [${ms(analysis.ci[0])}, ${ms(analysis.ci[1])}]`,
    `τ=${ms(analysis.tau)} F=${ms(analysis.noiseFloor)}`,
    `A p10/p50=${ms(analysis.a.p10)}/${ms(analysis.a.p50)} B p10/p50=${ms(analysis.b.p10)}/${ms(analysis.b.p50)}`,
  ].join(' | ');
}
