/**
 * Weighted maximum likelihood from a buffer (annealing by reweighting, training.reweighting):
 * −(1/n) Σ log q(y_r) over n rows resampled from the buffer in proportion to their importance
 * weights at the rung's β, which estimates the forward KL(p‖q) up to a constant. The buffer and
 * its resampling are in ../reweighting.ts.
 */
import * as tf from '@embedcg/core/tf';
import type { ObjectiveTerm, Objective } from './objective.js';

/** Rows resampled from the buffer for one step. */
export interface ResampledBatch {
  rows: Float32Array;
  n: number;
  dimension: number;
}

/** The taped pass of a reweighting step: only log q is needed. */
export interface LikelihoodTaped {
  logQ(y: tf.Tensor2D): tf.Tensor1D;
}

/** The loss of one step: −mean log q over a resampled minibatch (a scalar inside variableGrads). */
export function weightedLikelihoodLoss(
  logQ: (y: tf.Tensor2D) => tf.Tensor1D,
  rows: Float32Array,
  n: number,
  D: number,
): tf.Scalar {
  const y = tf.tensor2d(rows, [n, D]);
  return tf.neg(tf.mean(logQ(y))) as tf.Scalar;
}

/** The weighted-likelihood objective of a reweighting step. */
export const weightedLikelihood = {
  name: 'weighted maximum likelihood',
  prepare(b: ResampledBatch): ObjectiveTerm<LikelihoodTaped> {
    return {
      addTo(sum, t) {
        sum.add(weightedLikelihoodLoss(t.logQ, b.rows, b.n, b.dimension));
      },
      dispose() {},
    };
  },
} satisfies Objective<ResampledBatch, LikelihoodTaped>;
