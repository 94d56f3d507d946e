/**
 * Binning and downsampling done in TypeScript, so that vega only ever sees a few thousand
 * marks however many samples a run draws (vega is slow beyond about 1e4 data points).
 */
import type { NumArray } from './types.js';

/**
 * Normalised importance weights from log weights (log-sum-exp, so large |log w| is safe).
 * Non-finite log weights (−∞ from an infinite energy) get weight 0; NaN throws.
 */
export function weightsFromLogw(logw: NumArray, name = 'logw'): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logw.length; i++) {
    const v = logw[i]!;
    if (Number.isNaN(v)) throw new RangeError(`${name}[${i}] is NaN`);
    if (v > max) max = v;
  }
  const w = new Float64Array(logw.length);
  if (!Number.isFinite(max)) return w;
  let sum = 0;
  for (let i = 0; i < logw.length; i++) {
    const e = Math.exp(logw[i]! - max);
    w[i] = e;
    sum += e;
  }
  for (let i = 0; i < w.length; i++) w[i]! /= sum;
  return w;
}

/** Kish effective sample size of (unnormalised, non-negative) weights. */
export function effectiveSampleSize(w: NumArray): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < w.length; i++) {
    s += w[i]!;
    s2 += w[i]! * w[i]!;
  }
  return s2 > 0 ? (s * s) / s2 : 0;
}

/**
 * Bins whose Kish effective sample count (Σw)²/Σw² (within the bin) is below this are not drawn as
 * values: one tiny-weight sample alone in a bin would otherwise show as a deep free-energy well or
 * spike.
 */
export const MIN_EFFECTIVE_COUNT = 10;

/** Kish effective count per bin from the bin's Σw and Σw² (0 for an empty bin). */
function kishCounts(counts: Float64Array, sumSq: Float64Array): Float64Array {
  const out = new Float64Array(counts.length);
  for (let b = 0; b < counts.length; b++) out[b] = sumSq[b]! > 0 ? (counts[b]! * counts[b]!) / sumSq[b]! : 0;
  return out;
}

/** A weighted 1-D histogram on equal bins over [lo, hi). */
export interface Histogram1D {
  lo: number;
  hi: number;
  /** Bin edges, length nbins + 1. */
  edges: Float64Array;
  /** Sum of weights per bin. */
  counts: Float64Array;
  /** Probability density per bin (integrates to the fraction of weight inside [lo, hi)). */
  density: Float64Array;
  /** Kish effective sample count per bin, (Σw)²/Σw² over the bin's samples; the count when unweighted. */
  effective: Float64Array;
  /** Total weight of finite values, inside or outside the range. */
  total: number;
  /** Number of values that were not finite. */
  nonFinite: number;
}

/** Check that weights, when given, match the values and are finite and non-negative. */
export function checkWeights(values: NumArray, weights: NumArray | undefined, name: string): void {
  if (!weights) return;
  if (weights.length !== values.length) {
    throw new RangeError(`${name}: ${weights.length} weights for ${values.length} values`);
  }
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (!(w >= 0) || !Number.isFinite(w))
      throw new RangeError(`${name}: weight ${i} is ${w}; weights must be finite and ≥ 0`);
  }
}

/** Weighted histogram of `values` on `nbins` equal bins over [lo, hi). */
export function histogram1d(
  values: NumArray,
  weights: NumArray | undefined,
  lo: number,
  hi: number,
  nbins: number,
): Histogram1D {
  if (!(hi > lo)) throw new RangeError(`histogram range must have hi > lo, got [${lo}, ${hi})`);
  const edges = new Float64Array(nbins + 1);
  const width = (hi - lo) / nbins;
  for (let b = 0; b <= nbins; b++) edges[b] = lo + b * width;
  const counts = new Float64Array(nbins);
  const sumSq = new Float64Array(nbins);
  let total = 0;
  let nonFinite = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    const w = weights ? weights[i]! : 1;
    total += w;
    const b = Math.floor((v - lo) / width);
    if (b >= 0 && b < nbins) {
      counts[b]! += w;
      sumSq[b]! += w * w;
    }
  }
  const density = new Float64Array(nbins);
  if (total > 0) for (let b = 0; b < nbins; b++) density[b] = counts[b]! / (total * width);
  return { lo, hi, edges, counts, density, effective: kishCounts(counts, sumSq), total, nonFinite };
}

/** A weighted 2-D histogram; `density[iy * nx + ix]`. */
export interface Histogram2D {
  nx: number;
  ny: number;
  xEdges: Float64Array;
  yEdges: Float64Array;
  counts: Float64Array;
  density: Float64Array;
  /** Kish effective sample count per bin (see {@link Histogram1D.effective}). */
  effective: Float64Array;
  total: number;
}

/** Weighted 2-D histogram on equal bins over [x0, x1) × [y0, y1). */
export function histogram2d(
  x: NumArray,
  y: NumArray,
  weights: NumArray | undefined,
  xRange: readonly [number, number],
  yRange: readonly [number, number],
  nx: number,
  ny: number,
): Histogram2D {
  if (x.length !== y.length) throw new RangeError(`histogram2d: ${x.length} x values but ${y.length} y values`);
  const [x0, x1] = xRange;
  const [y0, y1] = yRange;
  const dx = (x1 - x0) / nx;
  const dy = (y1 - y0) / ny;
  const xEdges = Float64Array.from({ length: nx + 1 }, (_, i) => x0 + i * dx);
  const yEdges = Float64Array.from({ length: ny + 1 }, (_, i) => y0 + i * dy);
  const counts = new Float64Array(nx * ny);
  const sumSq = new Float64Array(nx * ny);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const xv = x[i]!;
    const yv = y[i]!;
    if (!Number.isFinite(xv) || !Number.isFinite(yv)) continue;
    const w = weights ? weights[i]! : 1;
    total += w;
    const bx = Math.floor((xv - x0) / dx);
    const by = Math.floor((yv - y0) / dy);
    if (bx >= 0 && bx < nx && by >= 0 && by < ny) {
      counts[by * nx + bx]! += w;
      sumSq[by * nx + bx]! += w * w;
    }
  }
  const density = new Float64Array(nx * ny);
  if (total > 0) for (let k = 0; k < density.length; k++) density[k] = counts[k]! / (total * dx * dy);
  return { nx, ny, xEdges, yEdges, counts, density, effective: kishCounts(counts, sumSq), total };
}

/**
 * Indices of at most `max` of n items, evenly strided (deterministic, so plots do not change
 * between renders and samples from all of a batch are kept).
 */
export function subsampleIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  const stride = n / max;
  for (let k = 0; k < max; k++) out.push(Math.floor(k * stride));
  return out;
}

/** The q-quantile of the finite values (linear interpolation); NaN when there are none. */
export function quantile(values: NumArray, q: number): number {
  const v: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) v.push(values[i]!);
  if (v.length === 0) return NaN;
  v.sort((a, b) => a - b);
  const pos = q * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, v.length - 1);
  return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
}

/** Angle in radians → degrees wrapped to [-180, 180). */
export function toWrappedDegrees(rad: number): number {
  const d = (rad * 180) / Math.PI;
  return ((((d + 180) % 360) + 360) % 360) - 180;
}

/** Map an array of angles in radians to wrapped degrees. */
export function anglesToDegrees(rad: NumArray): Float64Array {
  const out = new Float64Array(rad.length);
  for (let i = 0; i < rad.length; i++) out[i] = toWrappedDegrees(rad[i]!);
  return out;
}

/** Round for plot data: keeps the embedded JSON and SVG small without visible change. */
export function round(v: number, digits = 4): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const p = Math.pow(10, digits - Math.ceil(Math.log10(Math.abs(v))));
  return Math.round(v * p) / p;
}
