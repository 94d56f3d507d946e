/**
 * the flow paper's Gaussian mixture with fast degrees of freedom (docs/science/systems.md), D = 20:
 *
 *   x = [x_z (10), x_X (10)],  x_z ~ ⅓ Σ_m N(μ_m, σ² I),  x_X | x_z ~ N(B x_z, σ² I),  σ = 0.1,
 *
 * with centres μ_m drawn once uniformly in [−1, 1]¹⁰ and B a 10×10 matrix of standard normals,
 * both from `createRng(seed)` (centres first, row by row, then B row-major). U = −log p, so the
 * target is β = 1 and log Z(1) = 0 exactly.
 */
import { API_VERSION, createRng, defineForceField } from '@embedcg/core';
import type { Basin, EvaluateOptions, ExactReference, ForceField } from '@embedcg/core';
import { evaluateBatch } from './batch.js';
import { logSumExp, normalFrom } from './numerics.js';
import { PACKAGE_VERSION } from './version.js';

/** Slow (mixture) dimension. */
export const GMM_SLOW_DIM = 10;
/** Fast dimension. */
export const GMM_FAST_DIM = 10;
/** Number of mixture components. */
export const GMM_COMPONENTS = 3;
/** Standard deviation of every component and of the fast noise. */
export const GMM_STD = 0.1;

/** The drawn parameters of one instance. */
export interface GaussianMixtureParameters {
  /** GMM_COMPONENTS × GMM_SLOW_DIM centres, row-major. */
  centres: Float64Array;
  /** GMM_FAST_DIM × GMM_SLOW_DIM matrix B, row-major (x_X = B x_z + noise). */
  B: Float64Array;
}

/** Draw the fixed centres and B from `seed` (deterministic). */
export function gaussianMixtureParameters(seed: number): GaussianMixtureParameters {
  const rng = createRng(seed);
  const centres = new Float64Array(GMM_COMPONENTS * GMM_SLOW_DIM);
  for (let i = 0; i < centres.length; i++) centres[i] = 2 * rng.uniform() - 1;
  const B = new Float64Array(GMM_FAST_DIM * GMM_SLOW_DIM);
  for (let i = 0; i < B.length; i++) B[i] = rng.normal();
  return { centres, B };
}

const LOG_NORM = 0.5 * GMM_SLOW_DIM * Math.log(2 * Math.PI * GMM_STD * GMM_STD);
const INV_VAR = 1 / (GMM_STD * GMM_STD);

/** log a_m(z) = log(⅓ N(z; μ_m, σ² I)) for every component, into `out`. */
function logComponentTerms(z: ArrayLike<number>, zOffset: number, centres: Float64Array, out: Float64Array): void {
  for (let m = 0; m < GMM_COMPONENTS; m++) {
    let r2 = 0;
    for (let i = 0; i < GMM_SLOW_DIM; i++) {
      const d = z[zOffset + i]! - centres[m * GMM_SLOW_DIM + i]!;
      r2 += d * d;
    }
    out[m] = -Math.log(GMM_COMPONENTS) - 0.5 * INV_VAR * r2 - LOG_NORM;
  }
}

/** Index of the centre nearest to z (the basin of z). */
export function nearestCentre(z: ArrayLike<number>, centres: Float64Array, zOffset = 0): number {
  let best = 0;
  let bestD = Infinity;
  for (let m = 0; m < GMM_COMPONENTS; m++) {
    let r2 = 0;
    for (let i = 0; i < GMM_SLOW_DIM; i++) r2 += (z[zOffset + i]! - centres[m * GMM_SLOW_DIM + i]!) ** 2;
    if (r2 < bestD) {
      bestD = r2;
      best = m;
    }
  }
  return best;
}

/** Result of the log Z computation at one β. */
export interface GaussianMixtureLogZ {
  logZ: number;
  /** Standard error of `logZ` (0 where the result is exact). */
  standardError: number;
  /** Basin masses in component order. */
  masses: number[];
  /** True at β = 1 and wherever the tempered components do not overlap to double precision. */
  exact: boolean;
}

/** Importance samples per component for log Z at β ≠ 1 (common random numbers across β). */
const IS_SAMPLES_PER_COMPONENT = 1 << 15;

/**
 * log Z_β = log ∫ p(x)^β dx. The fast part integrates in closed form; for the slow part write
 * a_m = ⅓ N(z; μ_m, σ²) and ρ(z) = (Σ a_m)^β / Σ a_m^β. Then
 *
 *   log Z_β = (1 − β) log 3 + 2 log c_β + log E_q[ρ],  c_β = ∫ N^β = (2πσ²)^{5(1−β)} β^{−5},
 *
 * with q the equal mixture of the tempered components N(μ_m, σ²/β). ρ ∈ [⅓, 1] for β ≤ 1 and
 * [1, 3^{β−1}] for β ≥ 1, so a stratified importance estimate of E_q[ρ] is cheap and precise
 * (relative error ~1e-3 or better with 3·2¹⁵ samples); when the tempered modes do not overlap
 * (every ρ equals 1 to double precision, e.g. β ≳ 0.5 for the default seed) the result is exact.
 */
export function gaussianMixtureLogZ(params: GaussianMixtureParameters, beta: number, seed = 0): GaussianMixtureLogZ {
  if (!(beta > 0) || !Number.isFinite(beta))
    throw new RangeError(`gaussian-mixture-fast: beta must be a positive finite number, got ${beta}`);
  const logC =
    0.5 * GMM_SLOW_DIM * (1 - beta) * Math.log(2 * Math.PI * GMM_STD * GMM_STD) - 0.5 * GMM_SLOW_DIM * Math.log(beta);
  const base = (1 - beta) * Math.log(GMM_COMPONENTS) + 2 * logC;
  const rng = createRng((seed ^ 0x6a09e667) >>> 0);
  const sd = GMM_STD / Math.sqrt(beta);
  const z = new Float64Array(GMM_SLOW_DIM);
  const la = new Float64Array(GMM_COMPONENTS);
  const lb = new Float64Array(GMM_COMPONENTS);
  const sums = new Array<number>(GMM_COMPONENTS).fill(0);
  // Per-stratum means, combined with equal weights (the components of q are equally likely).
  const stratumMeans: number[] = [];
  const stratumVars: number[] = [];
  let allOne = true;
  for (let m = 0; m < GMM_COMPONENTS; m++) {
    let s = 0;
    let s2 = 0;
    for (let t = 0; t < IS_SAMPLES_PER_COMPONENT; t++) {
      for (let i = 0; i < GMM_SLOW_DIM; i++) z[i] = params.centres[m * GMM_SLOW_DIM + i]! + sd * rng.normal();
      logComponentTerms(z, 0, params.centres, la);
      for (let k = 0; k < GMM_COMPONENTS; k++) lb[k] = beta * la[k]!;
      const rho = beta === 1 ? 1 : Math.exp(beta * logSumExp(la) - logSumExp(lb));
      if (rho !== 1) allOne = false;
      s += rho;
      s2 += rho * rho;
      const k = nearestCentre(z, params.centres);
      sums[k] = sums[k]! + rho;
    }
    const mean = s / IS_SAMPLES_PER_COMPONENT;
    stratumMeans.push(mean);
    stratumVars.push(Math.max(0, s2 / IS_SAMPLES_PER_COMPONENT - mean * mean) / IS_SAMPLES_PER_COMPONENT);
  }
  const meanRho = stratumMeans.reduce((p, v) => p + v, 0) / GMM_COMPONENTS;
  const varMean = stratumVars.reduce((p, v) => p + v, 0) / GMM_COMPONENTS ** 2;
  const totalRho = sums.reduce((p, v) => p + v, 0);
  const exact = beta === 1 || allOne;
  return {
    logZ: beta === 1 ? 0 : base + Math.log(meanRho),
    standardError: exact ? 0 : Math.sqrt(varMean) / meanRho,
    masses: sums.map((v) => v / totalRho),
    exact,
  };
}

/** Exact reference of the mixture; `logZDetails` tells whether a β needed the importance estimate. */
export interface GaussianMixtureReference extends ExactReference {
  readonly parameters: GaussianMixtureParameters;
  logZDetails(beta: number): GaussianMixtureLogZ;
  /** −log p(x) of one configuration (same as the force field's energy at β = 1). */
  negLogDensity(x: ArrayLike<number>): number;
}

export interface GaussianMixtureOptions {
  /** Seed of the centres and of B (default 0). */
  seed?: number;
}

/** −log p and, when `grad` is given, ∇(−log p) for one configuration at `x[o..o+20)`. */
function negLogDensityAndGradient(
  params: GaussianMixtureParameters,
  x: ArrayLike<number>,
  o: number,
  grad: Float64Array | null,
  go: number,
  scratch: { la: Float64Array; r: Float64Array },
): number {
  const { centres, B } = params;
  const { la, r } = scratch;
  logComponentTerms(x, o, centres, la);
  const lse = logSumExp(la);
  // r = x_X − B x_z
  let r2 = 0;
  for (let j = 0; j < GMM_FAST_DIM; j++) {
    let bz = 0;
    for (let i = 0; i < GMM_SLOW_DIM; i++) bz += B[j * GMM_SLOW_DIM + i]! * x[o + i]!;
    const d = x[o + GMM_SLOW_DIM + j]! - bz;
    r[j] = d;
    r2 += d * d;
  }
  const u = -lse + 0.5 * INV_VAR * r2 + LOG_NORM;
  if (grad) {
    for (let i = 0; i < GMM_SLOW_DIM; i++) {
      let g = 0;
      for (let m = 0; m < GMM_COMPONENTS; m++) {
        const gamma = Math.exp(la[m]! - lse);
        g += gamma * (x[o + i]! - centres[m * GMM_SLOW_DIM + i]!);
      }
      let btr = 0;
      for (let j = 0; j < GMM_FAST_DIM; j++) btr += B[j * GMM_SLOW_DIM + i]! * r[j]!;
      grad[go + i] = INV_VAR * (g - btr);
    }
    for (let j = 0; j < GMM_FAST_DIM; j++) grad[go + GMM_SLOW_DIM + j] = INV_VAR * r[j]!;
  }
  return u;
}

/** Build the reference for given parameters (log Z results cached per β). */
export function createGaussianMixtureReference(params: GaussianMixtureParameters, seed = 0): GaussianMixtureReference {
  const cache = new Map<number, GaussianMixtureLogZ>();
  const details = (beta: number): GaussianMixtureLogZ => {
    let d = cache.get(beta);
    if (!d) {
      d = gaussianMixtureLogZ(params, beta, seed);
      if (cache.size > 32) cache.clear();
      cache.set(beta, d);
    }
    return d;
  };
  // The CV metrics want one slow coordinate: take the x_z axis along which the centres spread most.
  let slow = 0;
  let bestSpread = -1;
  for (let i = 0; i < GMM_SLOW_DIM; i++) {
    const v = [0, 1, 2].map((m) => params.centres[m * GMM_SLOW_DIM + i]!);
    const mean = (v[0]! + v[1]! + v[2]!) / 3;
    const spread = v.reduce((p, t) => p + (t - mean) ** 2, 0);
    if (spread > bestSpread) {
      bestSpread = spread;
      slow = i;
    }
  }
  const scratch = { la: new Float64Array(GMM_COMPONENTS), r: new Float64Array(GMM_FAST_DIM) };
  return {
    parameters: params,
    slowCoordinate: slow,
    logZDetails: details,
    logZ: (beta) => details(beta).logZ,
    negLogDensity: (x) => negLogDensityAndGradient(params, x, 0, null, 0, scratch),
    basins(beta): Basin[] {
      const { masses } = details(beta);
      return masses.map((mass, m) => ({
        name: `mode-${m}`,
        mass,
        contains: (x) => nearestCentre(x, params.centres) === m,
      }));
    },
    sample(beta, n, rng) {
      if (!(beta > 0) || !Number.isFinite(beta))
        throw new RangeError(`gaussian-mixture-fast: beta must be a positive finite number, got ${beta}`);
      // Rejection from the tempered-component mixture: accept with ρ(z)/max ρ (bounds in gaussianMixtureLogZ).
      const logRhoMax = beta > 1 ? (beta - 1) * Math.log(GMM_COMPONENTS) : 0;
      const sd = GMM_STD / Math.sqrt(beta);
      const d = GMM_SLOW_DIM + GMM_FAST_DIM;
      const out = new Float64Array(n * d);
      const la = new Float64Array(GMM_COMPONENTS);
      const lb = new Float64Array(GMM_COMPONENTS);
      for (let s = 0; s < n; s++) {
        const o = s * d;
        for (;;) {
          const m = Math.min(GMM_COMPONENTS - 1, Math.floor(rng() * GMM_COMPONENTS));
          for (let i = 0; i < GMM_SLOW_DIM; i++)
            out[o + i] = params.centres[m * GMM_SLOW_DIM + i]! + sd * normalFrom(rng);
          if (beta === 1) break;
          logComponentTerms(out, o, params.centres, la);
          for (let k = 0; k < GMM_COMPONENTS; k++) lb[k] = beta * la[k]!;
          const logRho = beta * logSumExp(la) - logSumExp(lb);
          if (Math.log(rng()) < logRho - logRhoMax) break;
        }
        for (let j = 0; j < GMM_FAST_DIM; j++) {
          let bz = 0;
          for (let i = 0; i < GMM_SLOW_DIM; i++) bz += params.B[j * GMM_SLOW_DIM + i]! * out[o + i]!;
          out[o + GMM_SLOW_DIM + j] = bz + sd * normalFrom(rng);
        }
      }
      return out;
    },
  };
}

/** The 20-D mixture force field, U = −log p. */
export function createGaussianMixtureFast(
  options: GaussianMixtureOptions = {},
): ForceField & { reference: GaussianMixtureReference } {
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0)
    throw new RangeError(
      `gaussian-mixture-fast: option "seed" must be a non-negative integer, got ${JSON.stringify(seed)}`,
    );
  const params = gaussianMixtureParameters(seed);
  const reference = createGaussianMixtureReference(params, seed);
  const d = GMM_SLOW_DIM + GMM_FAST_DIM;
  const initial = new Float64Array(d);
  for (let i = 0; i < GMM_SLOW_DIM; i++) initial[i] = params.centres[i]!;
  for (let j = 0; j < GMM_FAST_DIM; j++) {
    for (let i = 0; i < GMM_SLOW_DIM; i++)
      initial[GMM_SLOW_DIM + j] = initial[GMM_SLOW_DIM + j]! + params.B[j * GMM_SLOW_DIM + i]! * params.centres[i]!;
  }
  const scratch = { la: new Float64Array(GMM_COMPONENTS), r: new Float64Array(GMM_FAST_DIM) };
  const ff = {
    name: 'gaussian-mixture-fast',
    dimension: d,
    reference,
    initialPositions: initial,
    evaluate(positions: Float64Array, n: number, opts?: EvaluateOptions) {
      return evaluateBatch(ff, positions, n, opts, (x, o, f, fo) => {
        const u = negLogDensityAndGradient(params, x, o, f, fo, scratch);
        if (f) for (let k = 0; k < d; k++) f[fo + k] = -f[fo + k]!;
        return u;
      });
    },
  };
  return ff;
}

export const gaussianMixtureFastPlugin = defineForceField<GaussianMixtureOptions>({
  name: 'gaussian-mixture-fast',
  version: PACKAGE_VERSION,
  apiVersion: API_VERSION,
  description: "The flow paper's 20-D Gaussian mixture with fast dofs, U = −log p (normalised: log Z(1) = 0)",
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      seed: {
        type: 'integer',
        minimum: 0,
        default: 0,
        description: 'Seed of the mixture centres and of the matrix B.',
      },
    },
  },
  create: (options) => createGaussianMixtureFast(options),
});
