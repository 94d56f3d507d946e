/**
 * One-dimensional free-energy profiles F = −ln p (kT) with bootstrap bands, drawn only where a bin
 * holds enough effective samples to mean something.
 */
import { MIN_EFFECTIVE_COUNT, histogram1d } from './binning.js';
import type { NumArray } from './types.js';

/** A free-energy profile on equal bins; NaN marks a bin that is not drawn. */
export interface FreeEnergyProfile {
  /** Bin centres. */
  centres: Float64Array;
  /** F = −ln p in kT, 0 at the most populated drawn bin; NaN where the effective count is too low. */
  F: Float64Array;
  /** Lower and upper ends of the bootstrap percentile interval, on the same shift as F (NaN where F is). */
  lower: Float64Array;
  upper: Float64Array;
  /** Kish effective sample count per bin. */
  effective: Float64Array;
  /** The constant taken off −ln p̂ (density per unit of the values): F = −ln p̂ − offset. */
  offset: number;
}

/** Options of {@link freeEnergyProfile}. */
export interface ProfileOptions {
  /** Bootstrap resamples; 0 gives no band (lower = upper = NaN). Default 200. */
  resamples?: number;
  /** Seed of the resampling, so a report draws the same band every time. Default 1. */
  seed?: number;
  /** Coverage of the percentile interval. Default 0.95. */
  level?: number;
  /** Bins below this Kish effective count are not drawn. Default {@link MIN_EFFECTIVE_COUNT}. */
  minEffective?: number;
  /**
   * Length of the moving blocks resampled together, for correlated series such as MD frames in
   * time order. Default 1 (independent samples).
   */
  blockLength?: number;
}

/** A small seeded uniform generator (mulberry32): bands must not change between renders. */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The q-quantile of sorted values (linear interpolation; +∞ entries stay +∞). */
function sortedQuantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  if (pos === lo || sorted[lo] === sorted[hi]) return sorted[lo]!;
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Bin index of each value (−1 outside [lo, hi)), −2 for non-finite values (they carry no weight). */
function binIndices(values: NumArray, lo: number, hi: number, nbins: number): Int32Array {
  const width = (hi - lo) / nbins;
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const b = Math.floor((v - lo) / width);
    out[i] = !Number.isFinite(v) ? -2 : b >= 0 && b < nbins ? b : -1;
  }
  return out;
}

/**
 * Bootstrap replicates of −ln p per bin: `resamples` draws of n samples with replacement, each
 * binned with its weights and renormalised. Returns a resamples × nbins array.
 */
function bootstrapNegLogDensity(
  bins: Int32Array,
  weights: NumArray | undefined,
  nbins: number,
  width: number,
  resamples: number,
  seed: number,
  blockLength: number,
): Float64Array {
  const n = bins.length;
  const L = Math.max(1, Math.min(Math.floor(blockLength), n));
  const uniform = seededUniform(seed);
  const out = new Float64Array(resamples * nbins);
  const mass = new Float64Array(nbins);
  for (let r = 0; r < resamples; r++) {
    mass.fill(0);
    let total = 0;
    let start = 0;
    for (let k = 0; k < n; k++) {
      // A new block every L draws, starting anywhere a whole block fits.
      if (k % L === 0) start = Math.floor(uniform() * (n - L + 1)) - k;
      const i = L === 1 ? Math.floor(uniform() * n) : start + k;
      const b = bins[i]!;
      if (b === -2) continue;
      const w = weights ? weights[i]! : 1;
      total += w;
      if (b >= 0) mass[b]! += w;
    }
    for (let b = 0; b < nbins; b++) out[r * nbins + b] = -Math.log(mass[b]! / (total * width));
  }
  return out;
}

/**
 * F(x) = −ln p(x) in kT on `nbins` equal bins over [lo, hi), shifted to 0 at the most populated
 * bin that is drawn, with a bootstrap percentile band (resampling with replacement, seeded).
 * Bins whose Kish effective count (Σw)²/Σw² is below `minEffective` get NaN in F and the band.
 */
export function freeEnergyProfile(
  values: NumArray,
  weights: NumArray | undefined,
  lo: number,
  hi: number,
  nbins: number,
  opts: ProfileOptions = {},
): FreeEnergyProfile {
  const minEffective = opts.minEffective ?? MIN_EFFECTIVE_COUNT;
  const resamples = opts.resamples ?? 200;
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new RangeError(`freeEnergyProfile: level must lie in (0, 1), got ${level}`);
  const h = histogram1d(values, weights, lo, hi, nbins);
  const drawn = (b: number) => h.effective[b]! >= minEffective && h.density[b]! > 0;
  let maxDensity = 0;
  for (let b = 0; b < nbins; b++) if (drawn(b) && h.density[b]! > maxDensity) maxDensity = h.density[b]!;
  const offset = -Math.log(maxDensity);
  const centres = new Float64Array(nbins);
  const F = new Float64Array(nbins).fill(NaN);
  const lower = new Float64Array(nbins).fill(NaN);
  const upper = new Float64Array(nbins).fill(NaN);
  for (let b = 0; b < nbins; b++) {
    centres[b] = 0.5 * (h.edges[b]! + h.edges[b + 1]!);
    if (drawn(b)) F[b] = -Math.log(h.density[b]!) - offset;
  }
  if (resamples > 0 && maxDensity > 0) {
    const width = (hi - lo) / nbins;
    const reps = bootstrapNegLogDensity(
      binIndices(values, lo, hi, nbins),
      weights,
      nbins,
      width,
      resamples,
      opts.seed ?? 1,
      opts.blockLength ?? 1,
    );
    const column = new Float64Array(resamples);
    for (let b = 0; b < nbins; b++) {
      if (!drawn(b)) continue;
      for (let r = 0; r < resamples; r++) column[r] = reps[r * nbins + b]!;
      column.sort();
      lower[b] = sortedQuantile(column, (1 - level) / 2) - offset;
      upper[b] = sortedQuantile(column, (1 + level) / 2) - offset;
    }
  }
  return { centres, F, lower, upper, effective: h.effective, offset };
}
