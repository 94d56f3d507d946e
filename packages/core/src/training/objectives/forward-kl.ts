/**
 * Forward KL by importance weights, a mass-covering correction added to a reverse-KL step with
 * weight training.forwardKLWeight: −Σ_i w̃_i log q(y_i) over the batch's own rows, w̃ the
 * self-normalised importance weights held constant. Reverse KL alone lets a minor basin drain away
 * once few samples land there; those few samples' weights are large and pull the density back.
 * log q is the model's exact density, or its evidence bound (which the term then tightens too).
 */
import * as tf from '@embedcg/core/tf';
import { batchWeights, ownRows, type BatchNumbers, type Objective, type TapedBatch } from './objective.js';

/** The forward-KL objective with weight `weight` (> 0; 0 leaves it out of the step). */
export function forwardKL(weight: number): Objective<BatchNumbers, TapedBatch> {
  return {
    name: 'forward KL',
    prepare(b) {
      if (!(weight > 0)) return undefined;
      const y = tf.tensor2d(Float32Array.from(b.y), [b.size, b.modelDimension]);
      const w = tf.tensor1d(batchWeights(b, 1));
      let value: tf.Scalar | undefined;
      return {
        addTo(sum, t) {
          const forward = tf.neg(tf.sum(tf.mul(ownRows(t, w), t.logQ(ownRows(t, y))))) as tf.Scalar;
          value = tf.keep(forward);
          sum.add(tf.mul(weight, forward) as tf.Scalar);
        },
        report: () => (value ? { forwardLoss: value.dataSync()[0]! } : {}),
        dispose() {
          tf.dispose([y, w]);
          value?.dispose();
        },
      };
    },
  };
}
