/**
 * Coefficients of the score-function gradient for models whose draw makes a discrete choice
 * (ModelDraw `choiceLogProb`): the trainer adds Σ_i c_i ∇ log P_i to the step's loss.
 *
 * Reverse KL, L = E[ℓ] with ℓ = log q + βU = −log w: ∇L gains E[(ℓ − b) ∇ log P], estimated with
 * the batch mean as the baseline b: c_i = (ℓ_i − mean ℓ)/n.
 *
 * Rényi step (power p = 1 − α > 0), L_α = −(1/p) log E[w^p]: the choice's part of ∇L_α is
 * −(1/p) Σ_i w̃_i ∇ log P_i with w̃ the self-normalised w^p; subtracting the zero-mean
 * (1/n) Σ_i ∇ log P_i gives c_i = −(w̃_i − 1/n)/p, which tends to the reverse-KL form as p → 0.
 *
 * Dropped samples (mask 0, energy guard) get c = 0; n counts the kept ones.
 */
import { normalizedWeights } from '../util/stats.js';

export function scoreCoefficients(logwKept: readonly number[], mask: ArrayLike<number>, renyiPower: number): Float32Array {
  const n = logwKept.length;
  const out = new Float32Array(mask.length);
  if (n === 0) return out;
  let kept: Float64Array;
  if (renyiPower > 0) {
    const w = normalizedWeights(logwKept.map((v) => renyiPower * v));
    kept = Float64Array.from(w, (v) => -(v - 1 / n) / renyiPower);
  } else {
    const mean = logwKept.reduce((a, v) => a + v, 0) / n;
    // ℓ_i − mean ℓ = −(log w_i − mean log w).
    kept = Float64Array.from(logwKept, (v) => -(v - mean) / n);
  }
  for (let i = 0, j = 0; i < mask.length; i++) if (mask[i] === 1) out[i] = kept[j++]!;
  return out;
}
