/**
 * Soft bounds on log-variances.
 *
 * Why: reverse KL pulls the decoder variance down along stiff force-field directions and pushes it
 * up without limit at a hot, nearly flat target (small β). Unbounded, log σ² reaches values where
 * float32 `exp(−log σ²)` overflows (beyond about ±88) and the loss becomes Inf − Inf = NaN, or one
 * sample with a huge σ lands on overlapping atoms. A hard clip would kill the gradient at the
 * bound; a scaled tanh keeps it smooth and non-zero:
 *
 *     clamp(s) = c + h · tanh((s − c) / h),   c = (lo + hi) / 2,   h = (hi − lo) / 2
 *
 * with [lo, hi] = [−20, 5] in standardised output units (σ from 4.5e-5 to 12 times `outputScale`).
 * The raw parameters are initialised through the inverse, so the clamped value starts exactly at
 * the requested initial log-variance.
 */
import * as tf from '@tensorflow/tfjs';

export const LOG_VARIANCE_RANGE: readonly [number, number] = [-20, 5];
const CENTRE = (LOG_VARIANCE_RANGE[0] + LOG_VARIANCE_RANGE[1]) / 2;
const HALF_WIDTH = (LOG_VARIANCE_RANGE[1] - LOG_VARIANCE_RANGE[0]) / 2;

/** Differentiable soft clamp of raw log-variances into {@link LOG_VARIANCE_RANGE}. */
export function softClampLogVariance(raw: tf.Tensor): tf.Tensor {
  return tf.add(tf.mul(tf.tanh(tf.mul(tf.sub(raw, CENTRE), 1 / HALF_WIDTH)), HALF_WIDTH), CENTRE);
}

/** The same clamp in Float64, for tests and for reading weights back. */
export function softClampLogVariance64(raw: number): number {
  return CENTRE + HALF_WIDTH * Math.tanh((raw - CENTRE) / HALF_WIDTH);
}

/** Raw value whose clamp is `logVariance` (which must lie strictly inside the range). */
export function unclampLogVariance(logVariance: number): number {
  const t = (logVariance - CENTRE) / HALF_WIDTH;
  if (!(Math.abs(t) < 1)) {
    throw new RangeError(`log-variance ${logVariance} is outside the open range (${LOG_VARIANCE_RANGE[0]}, ${LOG_VARIANCE_RANGE[1]})`);
  }
  return CENTRE + HALF_WIDTH * Math.atanh(t);
}
