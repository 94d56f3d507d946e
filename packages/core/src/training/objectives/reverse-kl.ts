/**
 * Reverse KL at the step's β, KL(q‖p_β) = E_q[ℓ + βU] + log Z_β: the objective of the tempering
 * ladder and the final stage ("Embedded-physics machine learning for coarse-graining and
 * collective variable discovery without data", Schöberl, Zabaras & Koutsourelakis; tempering
 * after "Energy-Based Coarse-Graining in Molecular Dynamics: A Flow-Based Framework without Data",
 * Stupp & Koutsourelakis). The step estimates E_q[ℓ + βU] by the mean over the kept rows; when the
 * model drew its choices from a proposal, by the (q/proposal)-weighted mean.
 */
import * as tf from '@embedcg/core/tf';
import { weightedPathwiseTerm } from './pathwise.js';
import {
  batchWeights,
  ownRows,
  type BatchNumbers,
  type Objective,
  type ObjectiveTerm,
  type TapedBatch,
} from './objective.js';

export interface ReverseKLOptions {
  /**
   * training.proposalFit 'balanced': with a proposal, the pathwise gradient weighs the rows
   * uniformly (the proposal's shares) while the choice probabilities keep the exact gradient.
   */
  balanced: boolean;
}

/** Reverse KL; it takes the steps whose Rényi power is 0 (α = 1). */
export function reverseKL(o: ReverseKLOptions): Objective<BatchNumbers, TapedBatch> {
  return {
    name: 'reverse KL',
    prepare(b) {
      if (b.renyiPower > 0) return undefined;
      if (!b.proposalLogRatio) return meanTerm(b);
      const fit = o.balanced ? batchWeights(b, 0, false) : undefined;
      return weightedPathwiseTerm(b, batchWeights(b, 0), fit);
    },
  };
}

/** The plain mean of ℓ + βU over the kept rows. */
function meanTerm(b: BatchNumbers): ObjectiveTerm<TapedBatch> {
  const mask = tf.tensor1d(Float32Array.from(b.mask));
  const kept = b.logw.length;
  return {
    addTo(sum, t) {
      sum.add(tf.div(tf.sum(tf.mul(t.perSample, ownRows(t, mask))), kept) as tf.Scalar);
    },
    dispose() {
      mask.dispose();
    },
  };
}
