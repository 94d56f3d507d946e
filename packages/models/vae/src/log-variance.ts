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
import * as tf from '@embedcg/core/tf';
import { rowOpsEnabled } from '@embedcg/core';

export const LOG_VARIANCE_RANGE: readonly [number, number] = [-20, 5];
const CENTRE = (LOG_VARIANCE_RANGE[0] + LOG_VARIANCE_RANGE[1]) / 2;
const HALF_WIDTH = (LOG_VARIANCE_RANGE[1] - LOG_VARIANCE_RANGE[0]) / 2;

/**
 * Per-dimension clamp ranges [lo, hi_i] (option `decoderStdMax`): the same tanh with its own centre
 * and half-width per column, so a capped coordinate's variance approaches its cap as smoothly as
 * every variance approaches the global bound.
 */
export interface LogVarianceCaps {
  centre: tf.Tensor2D;
  halfWidth: tf.Tensor2D;
}

/** 1 × D centre and half-width tensors for upper bounds `upper` (each in (lo, hi]). */
export function logVarianceCaps(upper: ArrayLike<number>): LogVarianceCaps {
  const D = upper.length;
  const lo = LOG_VARIANCE_RANGE[0];
  return {
    centre: tf.tensor2d(
      Float32Array.from(upper, (hi) => (lo + hi) / 2),
      [1, D],
    ),
    halfWidth: tf.tensor2d(
      Float32Array.from(upper, (hi) => (hi - lo) / 2),
      [1, D],
    ),
  };
}

/**
 * Up to this many entries the uncapped clamp runs as one op in JS on the fused path: a latent's or a
 * few outputs' log-variances, where the composed clamp's dozen kernels (forward and backward) cost
 * far more than the arithmetic. Above it (an all-atom decoder's n × D) the kernels' loops are faster.
 */
const SMALL_CLAMP = 4096;

/** The uncapped clamp as one op with its gradient dy·(1 − t²), t = tanh((s − c)/h), kept as numbers. */
function softClampSmall(raw: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = (args[0] as tf.Tensor).dataSync();
    const t = new Float64Array(x.length);
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      t[i] = Math.tanh((x[i]! - CENTRE) / HALF_WIDTH);
      out[i] = CENTRE + HALF_WIDTH * t[i]!;
    }
    return {
      value: tf.tensor(out, raw.shape),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync();
        const gx = new Float32Array(g.length);
        for (let i = 0; i < g.length; i++) gx[i] = g[i]! * (1 - t[i]! * t[i]!);
        return tf.tensor(gx, raw.shape);
      },
    };
  });
  return op(raw);
}

/**
 * Differentiable soft clamp of raw log-variances into {@link LOG_VARIANCE_RANGE}, or into per-column
 * caps; `fused`: small uncapped ones as one op (same values to float32 rounding).
 */
export function softClampLogVariance(raw: tf.Tensor, caps?: LogVarianceCaps, fused = false): tf.Tensor {
  if (fused && !caps && raw.size <= SMALL_CLAMP && rowOpsEnabled()) return softClampSmall(raw);
  if (caps)
    return tf.add(tf.mul(tf.tanh(tf.div(tf.sub(raw, caps.centre), caps.halfWidth)), caps.halfWidth), caps.centre);
  return tf.add(tf.mul(tf.tanh(tf.mul(tf.sub(raw, CENTRE), 1 / HALF_WIDTH)), HALF_WIDTH), CENTRE);
}

/** The same clamp in Float64, for tests and for reading weights back (one argument, so `.map` can take it). */
export function softClampLogVariance64(raw: number): number {
  return softClampCapped64(raw, LOG_VARIANCE_RANGE[1]);
}

/** The clamp into [lo, upper] in Float64 (a `decoderStdMax` column). */
export function softClampCapped64(raw: number, upper: number): number {
  const c = (LOG_VARIANCE_RANGE[0] + upper) / 2;
  const h = (upper - LOG_VARIANCE_RANGE[0]) / 2;
  return c + h * Math.tanh((raw - c) / h);
}

/** Raw value whose clamp is `logVariance` (which must lie strictly inside the range). */
export function unclampLogVariance(logVariance: number): number {
  return unclampCapped(logVariance, LOG_VARIANCE_RANGE[1]);
}

/** Raw value whose clamp into [lo, upper] is `logVariance`, strictly inside that range. */
export function unclampCapped(logVariance: number, upper: number): number {
  const c = (LOG_VARIANCE_RANGE[0] + upper) / 2;
  const h = (upper - LOG_VARIANCE_RANGE[0]) / 2;
  const t = (logVariance - c) / h;
  if (!(Math.abs(t) < 1)) {
    throw new RangeError(`log-variance ${logVariance} is outside the open range (${LOG_VARIANCE_RANGE[0]}, ${upper})`);
  }
  return c + h * Math.atanh(t);
}
