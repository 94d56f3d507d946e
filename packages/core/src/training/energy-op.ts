/**
 * βU as a tfjs op whose gradient comes from the force field: d(βU)/dx = −βF (docs/science/objectives.md).
 * Energies and forces are computed beforehand (Float64, outside tfjs, possibly on workers or in
 * another process), so the op only has to hand them to the tape.
 */
import * as tf from '@embedcg/core/tf';

/**
 * U(x) per sample with the custom gradient −F. `energies` (n) and `forces` (n × D) must have been
 * evaluated at exactly these x; they stay owned by the caller.
 */
export function energyOp(x: tf.Tensor2D, energies: tf.Tensor1D, forces: tf.Tensor2D): tf.Tensor1D {
  if (x.shape[0] !== energies.shape[0] || x.shape[0] !== forces.shape[0] || x.shape[1] !== forces.shape[1]) {
    throw new Error(`energyOp: shapes disagree: x ${x.shape}, energies ${energies.shape}, forces ${forces.shape}`);
  }
  const op = tf.customGrad(((_xs: tf.Tensor) => {
    // clone: the value must be a tensor owned by this op, not the caller's.
    return {
      value: energies.clone(),
      gradFunc: (dy: tf.Tensor) => tf.mul(tf.expandDims(dy, 1), tf.neg(forces)),
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tf.customGrad's typing does not admit a function of three tensors
  }) as any);
  return op(x) as tf.Tensor1D;
}
