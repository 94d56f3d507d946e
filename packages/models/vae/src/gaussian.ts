/**
 * Diagonal-Gaussian log-densities: a pure Float64 reference (tests, diagnostics) and the
 * float32 tfjs version used inside the model's forward pass.
 */
import * as tf from '@embedcg/core/tf';

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
