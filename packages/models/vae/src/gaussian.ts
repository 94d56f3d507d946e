/**
 * Diagonal-Gaussian log-densities: a pure Float64 reference (tests, diagnostics) and the
 * float32 tfjs version used inside the model's forward pass.
 */
import * as tf from '@embedcg/core/tf';
import { rowOpsEnabled } from '@embedcg/core';

export const LOG_2PI = Math.log(2 * Math.PI);

/**
 * log N(x; mean, diag exp(logVariance)) of one vector, in Float64, including the −½ log 2π terms.
 * `logVariance` may be one number (isotropic) or one per coordinate.
 */
export function gaussianLogDensity(
  x: ArrayLike<number>,
  mean: ArrayLike<number>,
  logVariance: ArrayLike<number> | number,
): number {
  if (mean.length !== x.length)
    throw new RangeError(`gaussianLogDensity: mean has ${mean.length} entries, x has ${x.length}`);
  if (typeof logVariance !== 'number' && logVariance.length !== x.length) {
    throw new RangeError(`gaussianLogDensity: logVariance has ${logVariance.length} entries, x has ${x.length}`);
  }
  let s = 0;
  for (let k = 0; k < x.length; k++) {
    const lv = typeof logVariance === 'number' ? logVariance : logVariance[k]!;
    const d = x[k]! - mean[k]!;
    s += -0.5 * (LOG_2PI + lv + d * d * Math.exp(-lv));
  }
  return s;
}

/**
 * Per-row log N(x; mean, diag exp(logVariance)) for n × k tensors (logVariance may broadcast).
 * The caller owns tidying.
 */
export function gaussianLogDensityTf(x: tf.Tensor2D, mean: tf.Tensor2D, logVariance: tf.Tensor): tf.Tensor1D {
  const k = x.shape[1];
  const quad = tf.mul(tf.square(tf.sub(x, mean)), tf.exp(tf.neg(logVariance)));
  const perRow = tf.sum(tf.add(quad, logVariance), 1) as tf.Tensor1D;
  // When the log-variance broadcasts from one row, its sum over k is folded into the row sum above.
  return tf.sub(tf.mul(perRow, -0.5), 0.5 * k * LOG_2PI) as tf.Tensor1D;
}

/**
 * {@link gaussianLogDensityTf} for n × k tensors of one shape (a latent's r(z|y)) as one op with a
 * hand-written gradient, in Float64 over the rows: the composed version is about 20 small kernels
 * forward and backward for a few numbers a row. `fused` false (or core's row ops switched off by a
 * benchmark) runs the composition.
 */
export function gaussianLogDensityRows(
  x: tf.Tensor2D,
  mean: tf.Tensor2D,
  logVariance: tf.Tensor2D,
  fused: boolean,
): tf.Tensor1D {
  if (!fused || !rowOpsEnabled()) return gaussianLogDensityTf(x, mean, logVariance);
  const [n, k] = x.shape;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xs, ms, ls] = (args.slice(0, 3) as tf.Tensor[]).map((t) => t.dataSync() as Float32Array);
    // r = x − mean and e^{−log σ²}, kept as numbers for the gradient.
    const r = new Float64Array(n * k);
    const inv = new Float64Array(n * k);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = i * k; j < i * k + k; j++) {
        r[j] = xs![j]! - ms![j]!;
        inv[j] = Math.exp(-ls![j]!);
        s += r[j]! * r[j]! * inv[j]! + ls![j]!;
      }
      out[i] = -0.5 * s - 0.5 * k * LOG_2PI;
    }
    return {
      value: tf.tensor1d(out),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync();
        const gx = new Float32Array(n * k);
        const gm = new Float32Array(n * k);
        const gl = new Float32Array(n * k);
        for (let j = 0; j < n * k; j++) {
          const gi = g[Math.floor(j / k)]!;
          gx[j] = -gi * r[j]! * inv[j]!;
          gm[j] = -gx[j]!;
          gl[j] = -0.5 * gi * (1 - r[j]! * r[j]! * inv[j]!);
        }
        return [tf.tensor2d(gx, [n, k]), tf.tensor2d(gm, [n, k]), tf.tensor2d(gl, [n, k])];
      },
    };
  });
  return op(x, mean, logVariance) as tf.Tensor1D;
}
