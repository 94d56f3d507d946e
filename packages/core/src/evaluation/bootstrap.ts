/** Bootstrap resampling: i.i.d. for model samples, moving blocks for correlated MD frames. */
import type { Rng } from '../util/random.js';

/**
 * Indices of one bootstrap resample of n items. `blockLength` > 1 draws contiguous blocks
 * (moving-block bootstrap), which keeps the time correlation of a trajectory.
 */
export function resampleIndices(n: number, rng: Rng, blockLength = 1): Int32Array {
  const out = new Int32Array(n);
  const L = Math.max(1, Math.min(Math.floor(blockLength), n));
  for (let k = 0; k < n;) {
    const start = rng.int(n - L + 1);
    for (let j = 0; j < L && k < n; j++) out[k++] = start + j;
  }
  return out;
}

/** Percentile of a sorted array (linear interpolation); ±Infinity entries sort to the ends. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos),
    hi = Math.ceil(pos);
  const a = sorted[lo]!,
    b = sorted[hi]!;
  if (lo === hi || a === b) return a;
  return a + (b - a) * (pos - lo);
}

/** Central interval [lower, upper] of bootstrap replicates (default 95 %). NaN replicates are dropped. */
export function bootstrapInterval(replicates: ArrayLike<number>, level = 0.95): [number, number] {
  const v = Array.from(replicates)
    .filter((r) => !Number.isNaN(r))
    .sort((p, q) => p - q);
  return [percentile(v, (1 - level) / 2), percentile(v, 1 - (1 - level) / 2)];
}
