/** Statistics shared by the benchmarks; no imports, so in-process benchmarks load nothing else. */

/** The median of some numbers (the lower middle one for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

/**
 * A bootstrap percentile interval for the median of `values` (default 95 %): resamples with
 * replacement and takes the middle `level` of the resampled medians. Seeded, so one data set always
 * gives one interval. For ratios measured round by round on a noisy machine: it says how far the
 * median can be trusted, which the spread of the rounds alone does not.
 */
export function medianInterval(values: readonly number[], level = 0.95, resamples = 4000): [number, number] {
  return clusteredMedianInterval(
    values.map((value) => [value]),
    level,
    resamples,
  );
}

/**
 * The same for values that come in groups sharing a cause of variation — rounds measured on one pair
 * of server processes, which share those processes' start-up luck (heap layout, JIT decisions):
 * whole groups are resampled, so the interval covers the variation between groups too, not only
 * within them. The median is over every value of the resampled groups.
 */
export function clusteredMedianInterval(
  groups: readonly (readonly number[])[],
  level = 0.95,
  resamples = 4000,
): [number, number] {
  if (groups.every((group) => group.length === 0)) return [Number.NaN, Number.NaN];
  let seed = 0x9e3779b9;
  const random = () => {
    // mulberry32: small, fast and good enough to pick resampled indices.
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const medians = new Float64Array(resamples);
  const sample: number[] = [];
  for (let r = 0; r < resamples; r++) {
    sample.length = 0;
    for (let i = 0; i < groups.length; i++) sample.push(...groups[Math.floor(random() * groups.length)]!);
    medians[r] = sample.length === 0 ? Number.NaN : median(sample);
  }
  const sorted = medians.filter((m) => !Number.isNaN(m)).sort();
  const tail = (1 - level) / 2;
  return [sorted[Math.floor(tail * sorted.length)]!, sorted[Math.ceil((1 - tail) * sorted.length) - 1]!];
}
