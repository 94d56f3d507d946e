/**
 * The standard normal truncated to [−B, B] in Float64: the normaliser, exact sampling by the
 * inverse CDF from uniforms, and the log-density. Used as the flow's base for `base:
 * 'truncated-normal'` (the flow paper's base), which keeps every base point inside the spline interval.
 */
import type { Rng } from '@embedcg/core';

// Chebyshev coefficients of erfc (Numerical Recipes, 3rd ed., §6.2.2): full double precision.
const ERFC_COF = [
  -1.3026537197817094, 0.6419697923564902, 0.019476473204185836, -0.00956151478680863, -9.46595344482036e-4,
  3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5, -1.624290004647e-6, 1.30365583558e-6, 1.5626441722e-8,
  -8.5238095915e-8, 6.529054439e-9, 5.059343495e-9, -9.91364156e-10, -2.27365122e-10, 9.6467911e-11, 2.394038e-12,
  -6.886027e-12, 8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17,
];

/** The complementary error function erfc(x) = 1 − erf(x), to about 1e-15 relative. */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 2 / (2 + z);
  const ty = 4 * t - 2;
  let d = 0,
    dd = 0;
  for (let j = ERFC_COF.length - 1; j > 0; j--) {
    const tmp = d;
    d = ty * d - dd + ERFC_COF[j]!;
    dd = tmp;
  }
  const r = t * Math.exp(-z * z + 0.5 * (ERFC_COF[0]! + ty * d) - dd);
  return x >= 0 ? r : 2 - r;
}

/** The error function erf(x). */
export function erf(x: number): number {
  return x >= 0 ? 1 - erfc(x) : erfc(-x) - 1;
}

/** Standard normal CDF Φ(x), accurate in both tails. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

// Acklam's rational approximation of Φ⁻¹ (relative error 1.2e-9), refined below by Halley steps.
const A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
  2.506628277459239,
];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const Dc = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/** Φ⁻¹(p) for p in (0, 1), to about 1e-15 relative (Acklam's start, two Halley steps on erfc). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) /
      ((((Dc[0]! * q + Dc[1]!) * q + Dc[2]!) * q + Dc[3]!) * q + 1);
  } else if (p <= 1 - 0.02425) {
    const q = p - 0.5,
      r = q * q;
    x =
      ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * q) /
      (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) /
      ((((Dc[0]! * q + Dc[1]!) * q + Dc[2]!) * q + Dc[3]!) * q + 1);
  }
  for (let k = 0; k < 2; k++) {
    // Φ(x) − p, formed from the tail where Φ is small, so it has no cancellation.
    const e = x <= 0 ? normalCdf(x) - p : 1 - p - normalCdf(-x);
    const u = e * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x);
    x -= u / (1 + 0.5 * x * u);
  }
  return x;
}

/** log Z of N(0, 1) truncated to [−B, B]: Z = erf(B/√2). */
export function truncatedNormalLogNormalizer(bound: number): number {
  return Math.log1p(-erfc(bound / Math.SQRT2));
}

/** The truncated normal's log-density at x: −x²/2 − log √(2π) − log Z inside [−B, B], −∞ outside. */
export function truncatedNormalLogDensity(x: number, bound: number): number {
  if (!(Math.abs(x) <= bound)) return -Infinity;
  return -0.5 * x * x - 0.5 * Math.log(2 * Math.PI) - truncatedNormalLogNormalizer(bound);
}

/**
 * The truncated normal's quantile at u ∈ [0, 1): Φ⁻¹(Φ(−B) + u·Z), evaluated from the nearer
 * tail (by symmetry) so that no probability close to 1 is formed.
 */
export function truncatedNormalQuantile(u: number, bound: number): number {
  const lo = normalCdf(-bound);
  const z = 1 - 2 * lo;
  const x = u < 0.5 ? normalQuantile(lo + u * z) : -normalQuantile(lo + (1 - u) * z);
  return Math.min(bound, Math.max(-bound, x));
}

/** Fill `out` with draws from N(0, 1) truncated to [−B, B], one uniform each. */
export function fillTruncatedNormal<T extends Float32Array | Float64Array>(rng: Rng, out: T, bound: number): T {
  for (let i = 0; i < out.length; i++) out[i] = truncatedNormalQuantile(rng.uniform(), bound);
  return out;
}
