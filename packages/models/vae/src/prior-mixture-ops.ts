/**
 * The mixture prior's terms of a draw whose components are known, as ops with hand-written
 * gradients (the fused path, `training.fusedKernels`): the reparameterised latent, log π_k and
 * Σ_j log b_kj of each row's component.
 *
 * Why: composed of tfjs ops these took about a quarter of the double-well main job's kernel time
 * (one-hot products, a log-softmax, broadcast differences, and their backward kernels: about 150
 * small kernels a step, each with its engine bookkeeping) for K × d numbers and a batch of labels.
 * Each op here is one loop over the batch in Float64 (rounded to float32 once), saves no tensor
 * (the gradient needs only the labels, ζ and the parameters' values, kept as numbers), so the
 * engine makes no Identity copies for the tape.
 */
import * as tf from '@embedcg/core/tf';
import { logSumExp, scatterAddRows } from '@embedcg/core';

type Param = tf.Tensor | tf.Variable;

/** values[labels[i]] for each i, as float32 (a loop: `Float32Array.from` with a callback is several times slower). */
function pick(values: Float64Array, labels: Int32Array): Float32Array {
  const out = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = values[labels[i]!]!;
  return out;
}

/** log softmax(scale · logits) in Float64. */
function scaledLogSoftmax(logits: Float32Array, scale: number): Float64Array {
  const scaled = Float64Array.from(logits, (v) => scale * v);
  const logSum = logSumExp(scaled);
  return scaled.map((v) => v - logSum);
}

/** z_i = a_k + exp(s_k) ⊙ ζ_i for k = labels[i]: centres a and log-widths s (K × d), ζ (n × d). */
export function componentLatent(centres: Param, logStd: Param, zeta: Float32Array, labels: Int32Array): tf.Tensor2D {
  const [K, d] = centres.shape as [number, number];
  const n = labels.length;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const a = (args[0] as tf.Tensor).dataSync() as Float32Array;
    const width = Float64Array.from((args[1] as tf.Tensor).dataSync(), Math.exp);
    const z = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const k = labels[i]! * d;
      for (let j = 0; j < d; j++) z[i * d + j] = a[k + j]! + width[k + j]! * zeta[i * d + j]!;
    }
    return {
      value: tf.tensor2d(z, [n, d]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        // ∂z/∂s = exp(s) ζ, elementwise: the scattered dy weighted by it.
        const gs = new Float32Array(n * d);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < d; j++) gs[i * d + j] = g[i * d + j]! * width[labels[i]! * d + j]! * zeta[i * d + j]!;
        return [
          tf.tensor2d(scatterAddRows(g, labels, K, d), [K, d]),
          tf.tensor2d(scatterAddRows(gs, labels, K, d), [K, d]),
        ];
      },
    };
  });
  return op(centres, logStd) as tf.Tensor2D;
}

/** log π_k of each row's component k = labels[i], π = softmax(scale · logits) (K). */
export function labelLogWeight(logits: Param, labels: Int32Array, scale: number): tf.Tensor1D {
  const K = logits.shape[0]!;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const logPi = scaledLogSoftmax((args[0] as tf.Tensor).dataSync() as Float32Array, scale);
    return {
      value: tf.tensor1d(pick(logPi, labels)),
      gradFunc: (dy: tf.Tensor) => {
        // ∂ log π_k / ∂ l_m = scale (δ_km − π_m): per-component sums g_k, then g_m − π_m Σ g.
        const g = scatterAddRows(dy.dataSync() as Float32Array, labels, K, 1);
        let total = 0;
        for (const v of g) total += v;
        return tf.tensor1d(Float32Array.from(g, (gm, m) => scale * (gm - Math.exp(logPi[m]!) * total)));
      },
    };
  });
  return op(logits) as tf.Tensor1D;
}

/** Σ_j s_kj of each row's component k = labels[i] (log-widths s, K × d). */
export function labelLogStdSum(logStd: Param, labels: Int32Array): tf.Tensor1D {
  const [K, d] = logStd.shape as [number, number];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const s = (args[0] as tf.Tensor).dataSync() as Float32Array;
    const sums = new Float64Array(K);
    for (let k = 0; k < K; k++) for (let j = 0; j < d; j++) sums[k]! += s[k * d + j]!;
    return {
      value: tf.tensor1d(pick(sums, labels)),
      gradFunc: (dy: tf.Tensor) => {
        const g = scatterAddRows(dy.dataSync() as Float32Array, labels, K, 1);
        const out = new Float32Array(K * d);
        for (let k = 0; k < K; k++) out.fill(g[k]!, k * d, k * d + d);
        return tf.tensor2d(out, [K, d]);
      },
    };
  });
  return op(logStd) as tf.Tensor1D;
}
