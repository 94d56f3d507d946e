/**
 * A coordinate transform x = T(y) between the model's space (y, `inputDimension`) and the force
 * field's space (x, `outputDimension`). The model density maps as
 * `log q(x) = log q(y) − log|det J_T(y)|`.
 *
 * When `outputDimension > inputDimension` (rigid-body removal), T is a bijection onto the
 * canonical-frame submanifold of x and `logDetJ` is the log-volume factor on it.
 */
import type * as tf from '@embedcg/core/tf';

export interface CoordinateTransform {
  readonly name: string;
  readonly inputDimension: number;
  readonly outputDimension: number;
  /** Differentiable x = T(y) with per-sample log|det J|, in float32 tfjs. */
  forward(y: tf.Tensor2D): { x: tf.Tensor2D; logDetJ: tf.Tensor1D };
  /** Float64 forward of n configurations, for evaluation and output. */
  forward64(y: Float64Array, n: number): { x: Float64Array; logDetJ: Float64Array };
  /** Float64 inverse y = T⁻¹(x) of n configurations (puts x into the canonical frame first). */
  inverse64(x: Float64Array, n: number): { y: Float64Array; logDetJ: Float64Array };
}
