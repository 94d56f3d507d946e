/**
 * The variational Rényi bound (Li & Turner 2016), L_α = −(1/p) log E_q[w^p] with p = 1 − α and
 * w = exp(−βU − ℓ): its reparameterised gradient weighs each row's ∇(ℓ + βU) by its
 * self-normalised w^p (times q/proposal when the model drew from a proposal). α = 1 is reverse KL.
 *
 * With training.reverseKLShare λ the pathwise gradient is (1 − λ)·∇L_α + λ·∇KL: the weights are
 * mixed the same way, while the choice probabilities keep L_α's (reverse KL's would compare the
 * components' mean bounds and drain a rare component whose bound is looser).
 *
 * The step records the plain reverse-KL mean of ℓ + βU as its loss, so runs with different α compare.
 */
import { weightedPathwiseTerm } from './pathwise.js';
import { batchWeights, type BatchNumbers, type Objective, type TapedBatch } from './objective.js';

export interface RenyiOptions {
  /** training.reverseKLShare λ in [0, 1]. */
  reverseKLShare: number;
  /** training.proposalFit 'balanced' (see reverse-kl.ts). */
  balanced: boolean;
}

/** The Rényi bound; it takes the steps whose Rényi power is > 0 (α < 1). */
export function renyi(o: RenyiOptions): Objective<BatchNumbers, TapedBatch> {
  return {
    name: 'Rényi bound',
    prepare(b) {
      const p = b.renyiPower;
      if (!(p > 0)) return undefined;
      const balanced = o.balanced && b.proposalLogRatio !== undefined;
      const share = o.reverseKLShare;
      const fit = balanced || share > 0 ? batchWeights(b, p, !balanced, share) : undefined;
      const loss = -b.logw.reduce((acc, v) => acc + v, 0) / b.logw.length;
      return weightedPathwiseTerm(b, batchWeights(b, p), fit, { loss });
    },
  };
}
