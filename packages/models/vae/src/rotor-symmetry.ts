/**
 * Three-fold rotor torsions (methyl groups) in the VAE decoder.
 *
 * Permuting a methyl's three identical hydrogens maps its rotor torsion θ to θ ± 2π/3, so the
 * Boltzmann density of θ has three equal wells. A diagonal Gaussian decoder can only make them
 * through z, which then spends the few CVs on the rotors instead of the backbone. Here the
 * decoder density of a rotor is the Gaussian N(μ, σ²) made three-fold symmetric on the circle:
 *
 *   q(θ | z) = (1/3) Σ_{m ∈ ℤ} N(θ; μ(z) + 2πm/3, σ²(z))
 *
 * i.e. the equal-weight mixture of the Gaussian and its copies shifted by ±2π/3, wrapped onto the
 * circle (images 2π apart coincide with shifts of the mixture, so one sum over m covers both). It
 * integrates to one over any 2π window, is 2π/3-periodic, and is exactly the circle density of
 * θ = μ + σε + 2πk/3 with k uniform in {−1, 0, 1}, which is how draws are made: the discrete
 * shift needs no gradient because the density is the exact mixture, not a bound.
 *
 * In standardised units (θ = m + s·u) with ε = (u − μ)/σ and a = 2π/(3 s σ):
 *
 *   log q(u | z) = −½ log σ² − ½ log 2π − log 3 + log Σ_m exp(−½ (ε + m a)²)
 *
 * The sum is evaluated at ε reduced into [−a/2, a/2) (it is a-periodic in ε) and written as
 * −½ ε² + log Σ_m exp(−m a ε − ½ m² a²): there every exponent is ≤ 0 and the m = 0 one is 0, so
 * there is no overflow and no cancellation, even for configurations far from μ.
 */
import * as tf from '@embedcg/core/tf';
import { methylRotorTorsions, requireCoordinateNames } from '@embedcg/core/molecules';
import { LOG_VARIANCE_RANGE } from './log-variance.js';

export const ROTOR_FOLD = 3;

/** Which torsions are three-fold rotors: 'none', 'methyls' (from the transform's names), or model-space indices. */
export type RotorSymmetrySpec = 'none' | 'methyls' | number[];

/** What the recognition model sees of a rotor: 'hidden' (zero, so the CVs cannot depend on it) or 'raw'. */
export type RotorEncoderInput = 'hidden' | 'raw';

/**
 * Model-space indices of the rotors (sorted). `names` are the transform's coordinate names,
 * needed for 'methyls'; `transformName` only words the error.
 */
export function resolveRotors(
  spec: RotorSymmetrySpec,
  givenNames: readonly string[] | undefined,
  dimension: number,
  transformName?: string,
): number[] {
  if (spec === 'none') return [];
  if (Array.isArray(spec)) return [...spec].sort((a, b) => a - b);
  const names = requireCoordinateNames(givenNames, dimension, {
    who: 'vae model',
    option: "rotorSymmetry 'methyls'",
    ...(transformName !== undefined ? { transformName } : {}),
    otherwise: 'List the rotor torsions as model-space indices instead.',
  });
  const rotors = methylRotorTorsions(names);
  if (rotors.length === 0) {
    throw new RangeError(
      "vae model: option rotorSymmetry 'methyls' found no methyl rotor torsion (a torsion placing the first of three hydrogens on a carbon) " +
        `among the transform's ${names.filter((n) => n.startsWith('torsion ')).length} torsions; use 'none' or list model-space indices.`,
    );
  }
  return rotors.sort((a, b) => a - b);
}

/**
 * Images m ∈ [−M, M] of the sum: enough that the first left out, exp(−½ ((M + ½) a)²) at the
 * widest decoder σ the log-variance clamp allows, is below float32 resolution of the sum (≥ 1).
 */
export function rotorImageCount(scales: ArrayLike<number>): number {
  const sigmaMax = Math.exp(LOG_VARIANCE_RANGE[1] / 2);
  let m = 1;
  for (let i = 0; i < scales.length; i++) {
    const aMin = (2 * Math.PI) / (ROTOR_FOLD * scales[i]! * sigmaMax);
    m = Math.max(m, Math.ceil(6.5 / aMin + 0.5));
  }
  return m;
}

/**
 * log[(1/3) Σ_{m=−M..M} exp(−½ (ε + m a)²)] elementwise, n × R, for standardised residuals ε (n × R)
 * and periods a = 2π/(3 s σ) (1 × R or n × R): the rotor term that replaces the Gaussian's −½ ε².
 * Differentiable in ε and a; the caller owns tidying.
 */
export function rotorLogMixture(eps: tf.Tensor2D, a: tf.Tensor2D, images: number): tf.Tensor2D {
  const reduced = tf.sub(eps, tf.mul(a, tf.floor(tf.add(tf.div(eps, a), 0.5))));
  const m = tf.range(-images, images + 1, 1, 'float32').reshape([1, 1, 2 * images + 1]);
  const e3 = tf.expandDims(reduced, 2);
  const a3 = tf.expandDims(a, 2);
  // −m a ε − ½ m² a² ≤ 0 for |ε| ≤ a/2, with 0 at m = 0: the sum lies in [1, 2M + 1].
  const exponents = tf.sub(tf.mul(tf.mul(a3, m), tf.neg(e3)), tf.mul(tf.square(tf.mul(a3, m)), 0.5));
  const logSum = tf.log(tf.sum(tf.exp(exponents), 2));
  return tf.sub(tf.sub(logSum, tf.mul(tf.square(reduced), 0.5)), Math.log(ROTOR_FOLD)) as tf.Tensor2D;
}

/** The same in Float64, directly from the mixture's definition (tests and diagnostics). */
export function rotorLogDensity64(theta: number, mu: number, sigma: number, images = 60): number {
  let s = 0;
  for (let m = -images; m <= images; m++) {
    const d = theta - mu - (2 * Math.PI * m) / ROTOR_FOLD;
    s += Math.exp(-0.5 * (d / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI));
  }
  return Math.log(s / ROTOR_FOLD);
}
