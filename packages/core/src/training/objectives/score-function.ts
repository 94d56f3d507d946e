/**
 * The score-function terms: gradients of the choice probabilities of a model's discrete choices
 * (mixture components), which reparameterised gradients cannot reach, for the two ways a draw can
 * report them (ModelDraw `choiceLogProb`, or `proposalLogRatio` for a draw from a proposal).
 *
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
import * as tf from '@embedcg/core/tf';
import { normalizedWeights } from '../../util/stats.js';
import { ownRows, type BatchNumbers, type Objective, type TapedBatch } from './objective.js';

export function scoreCoefficients(
  logwKept: readonly number[],
  mask: ArrayLike<number>,
  renyiPower: number,
): Float32Array {
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

/**
 * Coefficients c_i of Σ_i c_i ∇ exp(b_i) for draws whose choices came from a proposal P̃
 * (ModelDraw `proposalLogRatio`, b_i = log(P_i/P̃_i), P̃ held constant): the loss is then the
 * (P/P̃)-weighted mean, and the choice probabilities' gradient flows through the weights
 * exp(b_i), normalised by S = Σ_j exp(b_j) over the kept samples.
 *
 * Reverse KL: E_P̃[e^b (ℓ + βU)] differentiated in P gives Σ_i e^(b_i) ∇b_i f_i; since
 * E_P̃[∇e^b] = ∇Σ P = 0, a baseline may be subtracted: c_i = (f_i − f̄)/S, f = −log w, f̄ the
 * weighted mean.
 *
 * Rényi step (power p): the choice's part of ∇L_α is −(1/p) Σ_i w̃_i ∇b_i with
 * w̃_i ∝ e^(b_i) w_i^p; written on ∇e^(b_i) with the same zero-mean baseline,
 * c_i = −(u_i − 1/S)/p, u_i = w_i^p / Σ_j e^(b_j) w_j^p. It tends to the reverse-KL form as p → 0.
 *
 * Dropped samples (mask 0) get c = 0; logwKept and ratioKept list the kept samples in order.
 */
export function proposalCoefficients(
  logwKept: readonly number[],
  ratioKept: readonly number[],
  mask: ArrayLike<number>,
  renyiPower: number,
): Float32Array {
  const n = logwKept.length;
  const out = new Float32Array(mask.length);
  if (n === 0) return out;
  const shift = Math.max(...ratioKept);
  const e = ratioKept.map((b) => Math.exp(b - shift));
  const S = e.reduce((a, v) => a + v, 0);
  // e_i = exp(b_i − shift) avoids overflow; c_i multiplies exp(b_i) itself, hence the factor exp(−shift).
  const unit = Math.exp(-shift);
  let kept: number[];
  if (renyiPower > 0) {
    const w = normalizedWeights(logwKept.map((v, j) => renyiPower * v + ratioKept[j]!));
    // u_i = w̃_i / exp(b_i) = (w̃_i / e_i)·exp(−shift).
    kept = Array.from(w, (wt, j) => -((wt / e[j]! - 1 / S) / renyiPower) * unit);
  } else {
    const fbar = logwKept.reduce((a, v, j) => a - v * e[j]!, 0) / S;
    kept = logwKept.map((v) => ((-v - fbar) / S) * unit);
  }
  for (let i = 0, j = 0; i < mask.length; i++) if (mask[i] === 1) out[i] = kept[j++]!;
  return out;
}

/**
 * The score-function objective: with choiceLogProb, Σ_i c_i log P_i (scoreCoefficients); with a
 * proposal, Σ_i c_i exp(log(P_i/P̃_i)) (proposalCoefficients). Each has value ~0 and the choice
 * probabilities' gradient of the step's objective (reverse KL, or the Rényi bound of its power).
 * It sits out steps whose draw made no choice.
 */
export const scoreFunction: Objective<BatchNumbers, TapedBatch> = {
  name: 'score function',
  prepare(b) {
    const coefficients = b.hasChoice
      ? scoreCoefficients(b.logw, b.mask, b.renyiPower)
      : b.proposalLogRatio
        ? proposalCoefficients(b.logw, b.ratio, b.mask, b.renyiPower)
        : undefined;
    if (!coefficients) return undefined;
    const c = tf.tensor1d(coefficients);
    return {
      addTo(sum, t) {
        const own = ownRows(t, c);
        if (t.draw.choiceLogProb) sum.add(tf.sum(tf.mul(own, t.draw.choiceLogProb)) as tf.Scalar);
        if (t.draw.proposalLogRatio) sum.add(tf.sum(tf.mul(own, tf.exp(t.draw.proposalLogRatio))) as tf.Scalar);
      },
      dispose() {
        c.dispose();
      },
    };
  },
};
