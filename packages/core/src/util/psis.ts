/**
 * Pareto-smoothed importance sampling (Vehtari, Simpson, Gelman, Yao & Gabry, "Pareto smoothed
 * importance sampling", JMLR 2024). Self-normalised estimates from a generative model's weights are
 * dominated by a few huge weights when q's tails are lighter than p's; their variance can be
 * unbounded even when the Kish ESS looks fine. PSIS fits a generalised Pareto distribution to the
 * largest weights, replaces them by the fitted distribution's quantiles (which damps the noise of
 * the single largest ones), and reports the fitted shape k̂: below 0.5 the raw estimator already
 * has finite variance, up to 0.7 the smoothed one is reliable, above 0.7 no number of samples of
 * practical size makes it so, and the estimate should not be trusted.
 */
import { logSumExp } from './stats.js';

export interface ParetoSmoothed {
  /** Smoothed log weights, normalised so that Σ exp = 1 (−Infinity where the input was non-finite). */
  logWeights: Float64Array;
  /** Shape of the generalised Pareto fitted to the tail: the reliability diagnostic. */
  khat: number;
  /** Number of weights in the fitted tail. */
  tailLength: number;
}

/** Thresholds of the PSIS paper: k̂ below `good` is reliable, above `bad` unreliable. */
export const PSIS_KHAT = Object.freeze({ good: 0.5, bad: 0.7 });

/**
 * Fit a generalised Pareto distribution to positive exceedances `x` (sorted ascending) by the
 * empirical-Bayes estimator of Zhang & Stephens (2009), with the weakly informative prior on k
 * of the PSIS paper. Returns the shape k and scale σ.
 */
export function fitGeneralizedPareto(x: ArrayLike<number>): { k: number; sigma: number } {
  const n = x.length;
  if (n < 5) throw new RangeError(`fitGeneralizedPareto: needs at least 5 exceedances, got ${n}`);
  const m = 30 + Math.floor(Math.sqrt(n));
  const quartile = x[Math.floor(n / 4 + 0.5) - 1]!;
  const b = new Float64Array(m),
    profile = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    b[j] = 1 - Math.sqrt(m / (j + 0.5));
    b[j] = b[j]! / (3 * quartile) + 1 / x[n - 1]!;
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.log1p(-b[j]! * x[i]!);
    const kj = s / n;
    profile[j] = n * (Math.log(-b[j]! / kj) - kj - 1);
  }
  // Posterior weights of the grid of b: w_j = 1 / Σ_i exp(L_i − L_j).
  let bPost = 0,
    wSum = 0;
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += Math.exp(profile[i]! - profile[j]!);
    const w = 1 / s;
    if (w < 10 * Number.EPSILON) continue;
    bPost += w * b[j]!;
    wSum += w;
  }
  bPost /= wSum;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log1p(-bPost * x[i]!);
  // For a heavy tail b < 0, so the mean of log(1 − b x) is the (positive) shape itself.
  const kHat = s / n;
  const sigma = -kHat / bPost;
  const k = (n * kHat + 10 * 0.5) / (n + 10);
  return { k, sigma };
}

/** Quantile of the generalised Pareto distribution (location 0). */
function paretoQuantile(p: number, k: number, sigma: number): number {
  if (Math.abs(k) < 1e-12) return -sigma * Math.log1p(-p);
  return (sigma * Math.expm1(-k * Math.log1p(-p))) / k;
}

/**
 * Pareto-smooth log importance weights. Non-finite entries (dropped or impossible samples) get
 * weight 0. The tail holds the largest min(0.2 N, 3 √N) weights; with fewer than 5 samples in it,
 * k̂ is Infinity and the weights are only normalised; when the largest weights tie (equal weights),
 * there is no tail to fit and k̂ is 0.
 */
export function paretoSmooth(logWeights: ArrayLike<number>): ParetoSmoothed {
  const n = logWeights.length;
  if (n === 0) throw new RangeError('paretoSmooth: no weights');
  const finite: number[] = [];
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = logWeights[i]!;
    if (Number.isFinite(v)) {
      finite.push(i);
      if (v > max) max = v;
    } else if (Number.isNaN(v)) {
      throw new RangeError(`paretoSmooth: log weight ${i} is NaN`);
    }
  }
  if (finite.length === 0)
    throw new RangeError('paretoSmooth: every log weight is −Infinity (no sample has a finite energy)');
  const out = new Float64Array(n).fill(-Infinity);
  for (const i of finite) out[i] = logWeights[i]! - max;
  const nf = finite.length;
  const tailLength = Math.min(nf - 1, Math.ceil(Math.min(0.2 * nf, 3 * Math.sqrt(nf))));
  const order = finite.slice().sort((a, b) => out[a]! - out[b]!);
  // The cutoff is the largest weight below the tail; exceedances above it form the tail.
  const cutoff = out[order[nf - tailLength - 1]!]!;
  const tail = order.slice(nf - tailLength).filter((i) => out[i]! > cutoff);
  // Too few samples for a fit: k̂ = ∞ (unknown). Enough samples but fewer than 5 weights above the
  // cutoff means the largest weights are tied, i.e. there is no tail: k̂ = 0.
  let khat = tailLength < 5 ? Infinity : 0;
  if (tail.length >= 5) {
    const expCut = Math.exp(cutoff);
    const exceed = tail.map((i) => Math.exp(out[i]!) - expCut);
    const fit = fitGeneralizedPareto(exceed);
    khat = fit.k;
    if (Number.isFinite(khat)) {
      const L = tail.length;
      tail.forEach((i, r) => {
        // Smoothed weights are the fitted quantiles at the tail's order statistics, capped at the
        // largest raw weight (log 0 after the shift) so smoothing never creates a bigger one.
        out[i] = Math.min(0, Math.log(paretoQuantile((r + 0.5) / L, fit.k, fit.sigma) + expCut));
      });
    }
  }
  const lse = logSumExp(Float64Array.from(finite, (i) => out[i]!));
  for (const i of finite) out[i] = out[i]! - lse;
  return { logWeights: out, khat, tailLength: tail.length };
}
