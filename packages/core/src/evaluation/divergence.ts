/**
 * Histogram divergences of docs/science/metrics.md: Ramachandran KL(ref ‖ model) and Jensen–Shannon on a
 * fixed periodic grid (64 × 64 bins over [−π, π)²), with ε added to every bin so that empty
 * bins do not make KL infinite. All divergences are in nats (JS ≤ ln 2).
 */

/** Default bin count per angle and the pseudo-probability added to every bin. */
export const RAMACHANDRAN_BINS = 64;
export const HISTOGRAM_EPSILON = 1e-10;

/** Bin of a periodic angle (radians) on `bins` bins over [−π, π); π falls into the −π bin. */
export function angleBin(angle: number, bins: number): number {
  const b = Math.floor(((angle + Math.PI) / (2 * Math.PI)) * bins);
  return ((b % bins) + bins) % bins;
}

/**
 * Normalised 2-D histogram of angle pairs (radians), bins × bins, row = φ bin, column = ψ bin.
 * `weights` (linear, need not be normalised) reweight the samples; non-finite angles or
 * weights are left out.
 */
export function ramachandranHistogram(
  phi: ArrayLike<number>,
  psi: ArrayLike<number>,
  weights?: ArrayLike<number>,
  bins = RAMACHANDRAN_BINS,
): Float64Array {
  if (phi.length !== psi.length) throw new RangeError(`histogram: ${phi.length} φ values but ${psi.length} ψ values`);
  if (weights && weights.length !== phi.length)
    throw new RangeError(`histogram: ${weights.length} weights for ${phi.length} samples`);
  const h = new Float64Array(bins * bins);
  let total = 0;
  for (let i = 0; i < phi.length; i++) {
    const w = weights ? weights[i]! : 1;
    if (!Number.isFinite(phi[i]!) || !Number.isFinite(psi[i]!) || !Number.isFinite(w) || w <= 0) continue;
    h[angleBin(phi[i]!, bins) * bins + angleBin(psi[i]!, bins)]! += w;
    total += w;
  }
  if (total > 0) for (let k = 0; k < h.length; k++) h[k]! /= total;
  return h;
}

/** (p + ε) / (1 + Kε): every bin strictly positive, still summing to one. */
function smooth(p: ArrayLike<number>, epsilon: number): Float64Array {
  const out = new Float64Array(p.length);
  const norm = 1 + p.length * epsilon;
  for (let k = 0; k < p.length; k++) out[k] = (p[k]! + epsilon) / norm;
  return out;
}

/** KL(p ‖ q) in nats between two normalised histograms of the same grid, each smoothed by ε. */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>, epsilon = HISTOGRAM_EPSILON): number {
  if (p.length !== q.length) throw new RangeError(`KL: histograms of ${p.length} and ${q.length} bins`);
  const P = smooth(p, epsilon),
    Q = smooth(q, epsilon);
  let s = 0;
  for (let k = 0; k < P.length; k++) s += P[k]! * Math.log(P[k]! / Q[k]!);
  return Math.max(0, s);
}

/** Jensen–Shannon divergence in nats: ½KL(p‖m) + ½KL(q‖m), m = (p + q)/2; in [0, ln 2]. */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>, epsilon = HISTOGRAM_EPSILON): number {
  if (p.length !== q.length) throw new RangeError(`JS: histograms of ${p.length} and ${q.length} bins`);
  const P = smooth(p, epsilon),
    Q = smooth(q, epsilon);
  let s = 0;
  for (let k = 0; k < P.length; k++) {
    const m = 0.5 * (P[k]! + Q[k]!);
    s += 0.5 * P[k]! * Math.log(P[k]! / m) + 0.5 * Q[k]! * Math.log(Q[k]! / m);
  }
  return Math.max(0, s);
}
