/**
 * The shape every training objective has. A step first computes its batch's numbers (energies,
 * importance weights: no tape), hands them to each objective, and gets back a term holding the
 * weights or coefficients that objective derives from them. Inside `tf.variableGrads` each term
 * then adds its contribution to the step's loss, in the order the trainer lists the objectives.
 *
 * Objectives of a reverse-KL step (reverse-step.ts), in order:
 *   reverse KL (reverse-kl.ts) or the Rényi bound (renyi.ts), whichever the step's α selects;
 *   the score-function terms of a discrete choice (score-function.ts);
 *   forward KL by importance weights (forward-kl.ts).
 * The reweighting step (reweight-step.ts) has one: weighted maximum likelihood (reweighting.ts).
 */
import * as tf from '@embedcg/core/tf';
import type { ModelDraw } from '../../contracts/model.js';
import { normalizedWeights } from '../../util/stats.js';

/** A reverse-KL step's numbers once the force field has answered, before the taped pass. */
export interface BatchNumbers {
  /** Rows drawn, kept and dropped. */
  size: number;
  /** 1 for a row in the loss, 0 for one the energy guard dropped. */
  mask: ArrayLike<number>;
  /** log w = −βU − ℓ of the kept rows, in order. */
  logw: readonly number[];
  /** log(q/proposal) of the kept rows, in order; 0 when the model drew no proposal. */
  ratio: readonly number[];
  /** Rényi power p = 1 − α of this step; 0 is plain reverse KL. */
  renyiPower: number;
  /** The largest βU among the kept rows (the history's view of how close the guard came). */
  maxBetaEnergy: number;
  /** The draw's log(q/proposal) of every row, when the model drew its choices from a proposal. */
  proposalLogRatio?: ArrayLike<number>;
  /** The draw made a discrete choice and reported its log-probability (choiceLogProb). */
  hasChoice: boolean;
  /** Model-space rows of the batch, size × modelDimension. */
  y: ArrayLike<number>;
  modelDimension: number;
}

/** The taped redraw of a reverse-KL step (the same draw as the batch's: the RNG is rewound). */
export interface TapedBatch {
  /** ℓ + βU of every row, differentiable in the model's variables. */
  perSample: tf.Tensor1D;
  /** The redraw itself (for choiceLogProb and proposalLogRatio). */
  draw: ModelDraw;
  /** log q at model-space rows: exact, or the latent model's bound. */
  logQ(y: tf.Tensor2D): tf.Tensor1D;
  /**
   * The batch rows this tape holds, when it holds only some (a data-parallel worker's share); the
   * terms, prepared on the whole batch's numbers, then take their own rows (`ownRows`).
   */
  rows?: { begin: number; size: number };
}

/** The rows of a whole-batch tensor that the tape holds (the tensor itself when it holds all). */
export function ownRows<T extends tf.Tensor1D | tf.Tensor2D>(t: { rows?: TapedBatch['rows'] }, x: T): T {
  if (!t.rows) return x;
  const { begin, size } = t.rows;
  return (x.rank === 1 ? tf.slice(x, [begin], [size]) : tf.slice(x, [begin, 0], [size, -1])) as T;
}

/** A step's loss, built one contribution at a time. */
export class LossSum {
  private sum: tf.Scalar | undefined;

  /**
   * Add a contribution as soon as it is built, so that the tape holds the operations in the order
   * of one long expression: the gradient, summed over the tape, is then the same to the bit.
   */
  add(contribution: tf.Scalar): void {
    this.sum = this.sum ? (tf.add(this.sum, contribution) as tf.Scalar) : contribution;
  }

  get value(): tf.Scalar {
    if (!this.sum) throw new Error('LossSum: no objective contributed to the loss');
    return this.sum;
  }
}

/** Numbers a term reports for the step record, read after the tape has run. */
export interface TermReport {
  /** The loss to record, when it is not the taped value (a Rényi step records reverse KL's). */
  loss?: number;
  /** The forward-KL term's value (without its weight). */
  forwardLoss?: number;
}

/** One objective's share of one step. */
export interface ObjectiveTerm<Taped> {
  /** Add this term's contribution(s) to the loss; called inside tf.variableGrads. */
  addTo(sum: LossSum, taped: Taped): void;
  report?(): TermReport;
  /** Free the tensors the term holds. */
  dispose(): void;
}

/** A training objective: from a batch's numbers, its term for that step (undefined: it sits the step out). */
export interface Objective<Batch, Taped> {
  readonly name: string;
  prepare(batch: Batch): ObjectiveTerm<Taped> | undefined;
}

/**
 * Self-normalised weights (q/proposal)·w^power of the kept rows, spread back over the batch (0
 * where dropped). Without `withRatio`, the q/proposal factor is left out; a `klShare` λ > 0 mixes
 * in reverse KL's weights (power 0): (1 − λ)·w̃ + λ·w̃₀.
 */
export function batchWeights(b: BatchNumbers, power: number, withRatio = true, klShare = 0): Float32Array {
  const kept = (p: number) => normalizedWeights(b.logw.map((v, j) => p * v + (withRatio ? b.ratio[j]! : 0)));
  let wKept = kept(power);
  if (klShare > 0) {
    const kl = kept(0);
    wKept = wKept.map((v, j) => (1 - klShare) * v + klShare * kl[j]!);
  }
  const wn = new Float32Array(b.size);
  for (let i = 0, j = 0; i < b.size; i++) if (b.mask[i] === 1) wn[i] = wKept[j++]!;
  return wn;
}
