/**
 * The rotor term of the decoder density (rotor-density.ts), Σ over the rotors of
 * log[(1/3) Σ_m exp(−½ (ε + m a)²)] with a = 2π/(3 s σ), as one op with a hand-written gradient,
 * in Float64 (the fused path, `training.fusedKernels`).
 *
 * Why: composed of tfjs ops (rotor-symmetry.ts `rotorLogMixture` on sliced columns) it was about 45
 * kernels forward and 60 backward per call, each over n × R × (2M + 1) images, where M is set by
 * the widest σ the clamp allows (tens of images); for the alanine VAE a sixth of a training step.
 * Here each (row, rotor) sums images outward from the nearest one and stops where they no longer
 * change the sum in Float64, within the same window |m| ≤ M, and keeps the two derivatives, so the
 * backward pass is one multiply per entry.
 */
import * as tf from '@embedcg/core/tf';
import { ROTOR_FOLD } from './rotor-symmetry.js';

/** Where a term exp(t_m − t_0) no longer changes a sum ≥ 1 in Float64. */
const NEGLIGIBLE = 1e-18;

interface RotorPartials {
  /** ∂/∂ε of each (row, rotor) term, n × R. */
  dEps: Float64Array;
  /** ∂/∂a of each term, n × R. */
  dA: Float64Array;
}

/**
 * log Σ_{|j| ≤ M} exp(−½ (x₀ + j a)²) at the reduced residual x₀ = ε − k a, k = ⌊ε/a + ½⌋, and the
 * sums that give its derivatives: Σ w_j (−x_j) for ε, Σ w_j (−x_j)(j − k) for a (k held, as floor's).
 */
function imageSum(e: number, a: number, images: number): [number, number, number] {
  const k = Math.floor(e / a + 0.5);
  const x0 = e - k * a;
  let s = 1;
  let s1 = -x0;
  let s2 = x0 * k;
  for (const dir of [1, -1])
    for (let j = dir; Math.abs(j) <= images; j += dir) {
      const x = x0 + j * a;
      // |x0| ≤ a/2, so x² grows with |j| and t_j − t_0 ≤ 0: stop at the first negligible image.
      const w = Math.exp(-0.5 * (x * x - x0 * x0));
      if (w < NEGLIGIBLE) break;
      s += w;
      s1 -= w * x;
      s2 -= w * x * (j - k);
    }
  return [-0.5 * x0 * x0 + Math.log(s), s1 / s, s2 / s];
}

/**
 * Per row, Σ over the rotor columns `rotors` of the mixture's log term, for standardised residuals
 * ε (n × D) and log-variances (n × D, or 1 × D when `shared`); `period[r]` = 2π/(3 s) of rotor r.
 * Differentiable in ε and the log-variances.
 */
export function rotorTermOp(
  eps: tf.Tensor2D,
  logVariance: tf.Tensor2D,
  rotors: readonly number[],
  period: Float64Array,
  images: number,
): tf.Tensor1D {
  const [n, D] = eps.shape;
  const shared = logVariance.shape[0] !== n;
  const R = rotors.length;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const e = (args[0] as tf.Tensor).dataSync();
    const lv = (args[1] as tf.Tensor).dataSync();
    const partials: RotorPartials = { dEps: new Float64Array(n * R), dA: new Float64Array(n * R) };
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let total = 0;
      for (let r = 0; r < R; r++) {
        const c = rotors[r]!;
        const a = period[r]! * Math.exp(-0.5 * lv[(shared ? 0 : i) * D + c]!);
        const [value, dEps, dA] = imageSum(e[i * D + c]!, a, images);
        total += value - Math.log(ROTOR_FOLD);
        partials.dEps[i * R + r] = dEps;
        // a = period·exp(−½ log σ²): ∂a/∂ log σ² = −½ a.
        partials.dA[i * R + r] = -0.5 * a * dA;
      }
      out[i] = total;
    }
    return { value: tf.tensor1d(out), gradFunc: (dy: tf.Tensor) => gradients(dy.dataSync(), partials) };
  });

  function gradients(g: ArrayLike<number>, p: RotorPartials): tf.Tensor[] {
    const gEps = new Float32Array(n * D);
    const gLv = new Float64Array(logVariance.size);
    for (let i = 0; i < n; i++)
      for (let r = 0; r < R; r++) {
        gEps[i * D + rotors[r]!] = g[i]! * p.dEps[i * R + r]!;
        gLv[(shared ? 0 : i) * D + rotors[r]!]! += g[i]! * p.dA[i * R + r]!;
      }
    return [tf.tensor2d(gEps, [n, D]), tf.tensor2d(Float32Array.from(gLv), logVariance.shape)];
  }

  return op(eps, logVariance) as tf.Tensor1D;
}
