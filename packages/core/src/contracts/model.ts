/**
 * The model contract: a generative model q(y) in model space (the input space of the coordinate
 * transform, or the force field's space when there is none).
 *
 * All tensors are float32 tfjs tensors. `draw` is called inside `tf.variableGrads`, so everything
 * it returns must be a differentiable function of `variables()` (reparameterised sampling).
 * Randomness comes only from the `Rng` passed in, so a seed reproduces a run.
 */
import type * as tf from '@embedcg/core/tf';
import type { Rng } from '../util/random.js';

/** One reparameterised draw of n samples. */
export interface ModelDraw {
  /** Samples, n × dimension. */
  y: tf.Tensor2D;
  /**
   * Per-sample log-density term ℓ(y), n values. Exact `log q(y)` for exact-density models;
   * for latent-variable models the bound `log p(z) + log q(y|z) − log r(z|y)` (docs/science/models.md).
   * The objective is `E[ℓ + β U]`, and importance weights are `log w = −βU − ℓ`.
   */
  logQ: tf.Tensor1D;
  /** Latent values (CVs) drawn with the samples, n × latentDimension, when the model has them. */
  z?: tf.Tensor2D;
  /**
   * For models whose draw makes a discrete choice with learnable probabilities (a mixture
   * component, say): log P(choice of sample i), n values, differentiable in those parameters.
   * Reparameterised gradients cannot reach such probabilities, so the trainer adds the
   * score-function term Σ_i c_i ∇ log P_i, with c_i = (ℓ_i + βU_i − batch mean)/n for reverse KL
   * (the Rényi step's weights otherwise), which is the exact gradient's expectation.
   */
  choiceLogProb?: tf.Tensor1D;
  /**
   * Only from a draw with `{ training: true }`, by a model that drew its discrete choices from a
   * proposal P̃ (one that favours rare choices, so that every mixture component keeps training)
   * instead of P: log(P_i / P̃_i), n values, differentiable in P's parameters (P̃ held constant).
   * The trainer weights sample i by exp(·) so that its loss is still the expectation under q; that
   * weight carries the gradient of the choice probabilities, so such a draw has no `choiceLogProb`.
   */
  proposalLogRatio?: tf.Tensor1D;
}

/** What a draw is for (`Model.draw`'s optional third argument). */
export interface ModelDrawOptions {
  /**
   * The draw feeds a training step's loss. A model may then draw from a proposal and report
   * `proposalLogRatio`. Without it (tempering statistics, evaluation, `embedcg sample`) a draw
   * must be a sample of q.
   */
  training?: boolean;
}

/**
 * The target density as a fresh run starts (`Model.initialize`): the model may query it at
 * configurations of its own choosing, before any training step.
 */
export interface TargetProbe {
  /** The run's initial inverse temperature β (mol/kJ). */
  readonly beta: number;
  /**
   * log p̃(y) = −βU(x(y)) + log|det ∂x/∂y| of n model-space rows (n × dimension, row-major),
   * up to the constant −log Z; −Infinity where the energy is not finite. Counted as energy
   * evaluations of the run.
   */
  logTarget(y: Float64Array, n: number): Promise<Float64Array>;
  /** Randomness for the model's choices, from the run's seed. */
  readonly rng: Rng;
}

/** Metadata stored beside the weights. */
export interface ModelMetadata {
  plugin: string;
  dimension: number;
  latentDimension?: number;
  [key: string]: unknown;
}

export interface Model {
  readonly name: string;
  /** Dimension of y. */
  readonly dimension: number;
  /** Number of latent CVs, when the model has them. */
  readonly latentDimension?: number;
  /** True when `logQ` is the exact log-density (flows); false when it is a bound (VAE). */
  readonly exactDensity: boolean;
  /** Reparameterised sampling. */
  draw(n: number, rng: Rng, options?: ModelDrawOptions): ModelDraw;
  /** Trainable variables. */
  variables(): tf.Variable[];
  /** Latent CVs of configurations y (n × dimension) → n × latentDimension (encoder means). */
  encode?(y: tf.Tensor2D): tf.Tensor2D;
  /**
   * Exact log q(y) of given configurations (n × dimension → n), differentiable with respect to
   * `variables()`. Exact-density models provide it; training.forwardKLWeight needs it.
   */
  logProb?(y: tf.Tensor2D): tf.Tensor1D;
  /**
   * A differentiable lower bound on log q(y) of given configurations, for latent-variable models
   * without an exact density: the evidence bound E_r[log p(z) + log q(y|z) − log r(z|y)], one
   * reparameterised z per row, its noise taken from `rng`. training.forwardKLWeight uses it when
   * `logProb` is absent (a reweighted wake-sleep step).
   */
  logProbBound?(y: tf.Tensor2D, rng: Rng): tf.Tensor1D;
  /**
   * For latent-variable models: the log of an unbiased estimate of q(y) from `samples` latent
   * values drawn from the model's encoder r(z|y) (the importance-weighted bound). Given `z`, the
   * latent each row was drawn from counts as the first of them; then exp(−βU)/q̂(y) is an exact
   * importance weight, whose spread falls with `samples`. Sampling uses it (evaluation.latentSamples)
   * to tighten importance weights without more energy evaluations.
   */
  logProbEstimate?(y: tf.Tensor2D, rng: Rng, samples: number, z?: tf.Tensor2D): tf.Tensor1D;
  /** Mean configuration for latent values z (n × latentDimension) → n × dimension. */
  decode?(z: tf.Tensor2D): tf.Tensor2D;
  /**
   * Optional: called once on a fresh run (not on resume), before the first step. A model may
   * probe the target and set its starting parameters from it, e.g. put mixture components at
   * distinct low-energy structures. Returns a line for the run's log, if any.
   */
  initialize?(probe: TargetProbe): Promise<string | undefined>;
  /** Serializable description (architecture), stored in checkpoints. */
  metadata(): ModelMetadata;
  /** Release tensors. */
  dispose(): void;
}
