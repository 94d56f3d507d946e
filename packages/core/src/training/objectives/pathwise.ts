/**
 * The reparameterised (pathwise) part of a reverse-KL or Rényi step, with per-row weights:
 * Σ_i u_i (ℓ_i + βU_i), where u are the objective's weights w unless the pathwise gradient is to
 * weigh the rows otherwise (fit weights: training.proposalFit 'balanced', training.reverseKLShare).
 */
import * as tf from '@embedcg/core/tf';
import { ownRows, type BatchNumbers, type ObjectiveTerm, type TapedBatch, type TermReport } from './objective.js';

/**
 * The weighted pathwise term. When fit weights u stand in for w and the model drew its choices
 * from a proposal, the choice probabilities (which reach the loss through log(q/proposal) in ℓ)
 * must keep w's gradient: (w − u)·log(q/proposal) is added less its own value (the same draw's, as
 * numbers), which has that gradient and value 0. (A choiceLogProb model's ℓ is its own affair:
 * its pathwise gradient takes u whole.)
 */
export function weightedPathwiseTerm(
  b: BatchNumbers,
  weights: Float32Array,
  fit: Float32Array | undefined,
  report?: TermReport,
): ObjectiveTerm<TapedBatch> {
  const w = tf.tensor1d(weights);
  const u = fit ? tf.tensor1d(fit) : undefined;
  return {
    addTo(sum, t) {
      sum.add(tf.sum(tf.mul(t.perSample, ownRows(t, u ?? w))) as tf.Scalar);
      const ratio = t.draw.proposalLogRatio;
      if (u && ratio && b.proposalLogRatio) {
        const inert = tf.sub(ratio, ownRows(t, tf.tensor1d(Float32Array.from(b.proposalLogRatio))));
        sum.add(tf.sum(tf.mul(ownRows(t, tf.sub(w, u)), inert)) as tf.Scalar);
      }
    },
    ...(report ? { report: () => report } : {}),
    dispose() {
      w.dispose();
      u?.dispose();
    },
  };
}
