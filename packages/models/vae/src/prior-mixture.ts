/**
 * A learnable Gaussian-mixture prior over the latent CVs (option `priorMixture`):
 *
 *   p(z) = Σ_k π_k N(z; a_k, diag b_k²),   π = softmax(LOGIT_SCALE · scaled logits)
 *
 * Why: with the standard normal prior, reverse KL moves probability between two basins only by
 * moving the boundary of their regions in z, and its gradient there is the local loss jump times
 * the few samples on the barrier. A minor basin drained while cooling stays drained even when its
 * free energy says it should grow. With a mixture, a draw picks a component k (a discrete choice)
 * and the trainer adds the score-function gradient of that choice, (ℓ_i − mean ℓ) ∇ log π_{k_i},
 * so the weights follow the components' mean losses: a basin-level signal (core's ModelDraw
 * `choiceLogProb`). It only helps when components map to different basins; on alanine and the
 * double well the shared decoder sent every component to the main basin (README).
 *
 * With `componentDecoder: true` the component is a latent of its own: the decoder sees it (a learned
 * bias per component on its first layer and an offset of its mean), the encoder guesses it (a classifier head r(k|y)), and the
 * bound keeps it,
 *
 *   ℓ = log π_k + log N(z; a_k, diag b_k²) + log q(y|z, k) − log r(z|y) − log r(k|y),
 *
 * still an upper bound of log q(y) (its gap is KL(q(k, z|y) ‖ r(k|y) r(z|y))). A component can then
 * hold a basin of its own without the shared map crossing a barrier to reach it, and the weights'
 * score-function gradient sets the basins' populations.
 *
 * A component drawn in proportion to a small weight gets few samples per batch, learns slowly, fits
 * its basin worse, and loses more weight: the rare basin starves. So training draws (core's
 * `{ training: true }`) pick components from P̃ = (1 − η) π + η/K (option `balance`, η) and the
 * trainer weights each sample by π_k/P̃_k: the loss is still the expectation under the model, every
 * component gets at least η n/K samples, and the weights' gradient is the exact stratified one,
 * Σ_k ∇π_k · (component k's weighted mean loss), without the score function's label noise.
 */
import * as tf from '@embedcg/core/tf';
import {
  applyDense,
  createDense,
  createRng,
  createVariable,
  glorotUniformScaledBound,
  normalizedWeights,
  rowOpsEnabled,
  type Dense,
  type ModelDraw,
  type Rng,
} from '@embedcg/core';
import type { ComponentScanOptions } from './component-scan.js';
import { LOG_2PI } from './gaussian.js';
import { standardNormalLogDensity, type DrawParts, type LatentPrior, type PriorChoice } from './latent-prior.js';
import { componentLatent, labelLogStdSum, labelLogWeight } from './prior-mixture-ops.js';

export interface PriorMixtureOptions {
  /** Number of components K (≥ 2). */
  components: number;
  /** Initial component centres are drawn from N(0, spread² I). */
  spread: number;
  /** Initial standard deviation of every component, per latent. */
  std: number;
  /** The decoder sees the component and the encoder guesses it (module doc); default false. */
  componentDecoder: boolean;
  /**
   * η in [0, 1]: training draws pick components from P̃ = (1 − η) π + η/K, not π, and weight
   * each sample by π_k/P̃_k (module doc); 0 draws from π and uses the score-function gradient.
   */
  balance: number;
  /** Place the components at distinct low-energy structures before training (component-scan.ts); absent: no scan. */
  scan?: ComponentScanOptions;
}

/** Widths the component-aware decoder and encoder attach to (with `componentDecoder`). */
export interface ComponentLayerWidths {
  /** Width of the decoder's first layer (hidden, or the output when there is no hidden layer). */
  decoderFirst: number;
  /** Width of the encoder's last hidden layer (or its input when there is none). */
  encoderLast: number;
  /** Width of the decoder's output, D. */
  output: number;
}

// Its own stream, so the networks' weights are those of the same seed without the mixture.
const MIXTURE_SEED_SALT = 0x3c1f7a2b;

/**
 * The logits are stored divided by this. Adam moves every variable by about the learning rate per
 * step whatever its gradient's size, and a weight of 1/K must travel several nats to reach a basin
 * of 1 % (about 4000 steps at lr 1e-3 unscaled, longer than a whole double-well run).
 */
export const LOGIT_SCALE = 10;

export class PriorMixture implements LatentPrior {
  readonly logits: tf.Variable;
  readonly centres: tf.Variable;
  readonly logStd: tf.Variable;
  /** With `componentDecoder`: K × width bias of the decoder's first layer, one row per component. */
  readonly decoderBias: tf.Variable | undefined;
  /** With `componentDecoder`: K × D offset of the decoder's mean (standardised units), zero at the start. */
  readonly decoderOffset: tf.Variable | undefined;
  /** With `componentDecoder`: the encoder's classifier head, last hidden layer → K logits of r(k|y). */
  readonly classifier: Dense | undefined;

  constructor(
    scope: string,
    seed: number,
    readonly latentDimension: number,
    readonly options: PriorMixtureOptions,
    widths?: ComponentLayerWidths,
    /** The draw's terms as ops with hand-written gradients (prior-mixture-ops.ts; `training.fusedKernels`). */
    readonly fused = false,
  ) {
    const K = options.components;
    const d = latentDimension;
    const rng = createRng((Math.floor(seed) ^ MIXTURE_SEED_SALT) >>> 0);
    const centres = Float32Array.from({ length: K * d }, () => options.spread * rng.normal());
    const made: tf.Variable[] = [];
    try {
      this.logits = createVariable(`${scope}/prior/scaled-logits`, tf.zeros([K]));
      made.push(this.logits);
      this.centres = createVariable(`${scope}/prior/centres`, tf.tensor2d(centres, [K, d]));
      made.push(this.centres);
      this.logStd = createVariable(`${scope}/prior/logstd`, tf.fill([K, d], Math.log(options.std)));
      made.push(this.logStd);
      if (options.componentDecoder) {
        if (!widths) throw new Error('prior mixture: componentDecoder needs the layer widths');
        // Random rows: each component starts as a differently bent map, not as copies of one.
        this.decoderBias = createVariable(
          `${scope}/prior/decoder-bias`,
          tf.tensor2d(glorotUniformScaledBound(rng, K, widths.decoderFirst, 1), [K, widths.decoderFirst]),
        );
        made.push(this.decoderBias);
        // Lets a component set its basin's own fast coordinates (a bond angle that differs in αL, say)
        // without bending the shared network that the other components use.
        this.decoderOffset = createVariable(`${scope}/prior/decoder-offset`, tf.zeros([K, widths.output]));
        made.push(this.decoderOffset);
        this.classifier = createDense(`${scope}/prior/classifier`, rng, widths.encoderLast, K, {
          init: glorotUniformScaledBound,
        });
        made.push(this.classifier.kernel, this.classifier.bias);
      }
    } catch (e) {
      for (const v of made) v.dispose();
      throw e;
    }
  }

  variables(): tf.Variable[] {
    const own = [this.logits, this.centres, this.logStd];
    if (this.decoderBias) own.push(this.decoderBias, this.decoderOffset!);
    if (this.classifier) own.push(this.classifier.kernel, this.classifier.bias);
    return own;
  }

  /**
   * Moves component i to the latent centre `centres[i]` (K × d, row-major) and gives it the
   * decoder bias and mean offset of component `from[i]`: the scan decoded its candidate i with
   * component from[i]'s rows, so component i now decodes that candidate at its centre.
   */
  placeAt(centres: Float32Array, from: Int32Array): void {
    const K = this.options.components;
    const copyRows = (v: tf.Variable): void => {
      const width = v.shape[1]!;
      const old = v.dataSync();
      const rows = new Float32Array(K * width);
      for (let i = 0; i < K; i++) rows.set(old.subarray(from[i]! * width, (from[i]! + 1) * width), i * width);
      tf.tidy(() => v.assign(tf.tensor2d(rows, [K, width])));
    };
    tf.tidy(() => this.centres.assign(tf.tensor2d(centres, [K, this.latentDimension])));
    if (this.decoderBias) copyRows(this.decoderBias);
    if (this.decoderOffset) copyRows(this.decoderOffset);
  }

  /**
   * On the fused path with `componentDecoder`, the draw knows each row's component k, and with
   * z = a_k + b_k ζ, log N(z; a_k, b_k²) = −½|ζ|² − Σ_j log b_kj − (d/2) log 2π as a function of the
   * parameters too (as the decoder's ε in the model's draw): this returns the parameter-free part,
   * and {@link finishDraw} adds log π_k − Σ_j log b_kj. Otherwise the mixture's log p(z) is all added
   * there.
   */
  fixedLogDensity(zeta: Float32Array, row: number, d: number): number {
    return this.zetaForm ? standardNormalLogDensity(zeta, row, d) : 0;
  }

  /** The fused path's ops are on (off only while a benchmark times the composed ops, core's `setRowOpsEnabled`). */
  get rowOps(): boolean {
    return this.fused && rowOpsEnabled();
  }

  private get zetaForm(): boolean {
    return this.rowOps && this.options.componentDecoder;
  }

  /**
   * n labels, one uniform each from `rng`: from π, or in a training draw with `balance` η > 0 from
   * the proposal (1 − η)π + η/K, so rare components keep training; such samples then carry the
   * weights π/P̃ (core's proposalLogRatio).
   */
  choose(n: number, rng: Rng, training: boolean): PriorChoice {
    const proposal = training && this.options.balance > 0 ? this.proposalWeights() : undefined;
    const labels = this.drawLabels(n, rng, proposal);
    return proposal ? { labels, proposal } : { labels };
  }

  decoderComponent(choice: PriorChoice | undefined): tf.Tensor2D | undefined {
    return this.decoderBias && choice ? this.oneHot(choice.labels) : undefined;
  }

  /**
   * Adds log p(z), or with a component-aware decoder the component as a latent of the bound,
   * + log π_k N(z; a_k, b_k²) − log r(k|y), and reports the choice's log-probability.
   */
  finishDraw(
    parts: DrawParts,
    choice: PriorChoice | undefined,
    encoderHidden: tf.Tensor2D,
    component?: tf.Tensor2D,
  ): ModelDraw {
    const { y, z } = parts;
    const { labels, proposal } = choice!;
    let logQ = parts.logQ;
    // log π_k of each row, once: the ζ-form prior term and the choice's probability both use it.
    const logPi = this.choiceLogProb(labels);
    if (component) {
      const logRk = tf.sum(tf.mul(this.classifierLogProbs(encoderHidden), component), 1);
      const prior = this.zetaForm
        ? tf.sub(logPi, labelLogStdSum(this.logStd, labels))
        : this.labelledLogDensity(z, labels);
      logQ = tf.sub(tf.add(logQ, prior), logRk) as tf.Tensor1D;
    } else {
      logQ = tf.add(logQ, this.logDensity(z)) as tf.Tensor1D;
    }
    if (proposal) return { y, logQ, z, proposalLogRatio: this.proposalLogRatio(labels, proposal, logPi) };
    return { y, logQ, z, choiceLogProb: logPi };
  }

  dispose(): void {
    for (const v of this.variables()) if (!v.isDisposed) v.dispose();
  }

  /** Current weights π (Float64). */
  weights(): Float64Array {
    return normalizedWeights(Float64Array.from(this.logits.dataSync(), (v) => v * LOGIT_SCALE));
  }

  /** n component labels k ~ Categorical(w) (π unless given, e.g. the proposal P̃); one uniform from `rng` each. */
  drawLabels(n: number, rng: Rng, w: Float64Array = this.weights()): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let u = rng.uniform();
      let k = 0;
      while (k < w.length - 1 && u >= w[k]!) {
        u -= w[k]!;
        k++;
      }
      out[i] = k;
    }
    return out;
  }

  /**
   * z = a_k + b_k ζ for standard normals ζ (n × d): reparameterised in the centres and widths.
   * Rows are picked by a one-hot product, not tf.gather, whose gradient needs a kernel
   * (UnsortedSegmentSum) the wasm backend lacks.
   */
  latent(zeta: tf.Tensor2D, choice: PriorChoice | undefined): tf.Tensor2D {
    if (this.rowOps) return componentLatent(this.centres, this.logStd, zeta.dataSync() as Float32Array, choice!.labels);
    const pick = this.oneHot(choice!.labels);
    return tf.add(tf.matMul(pick, this.centres), tf.mul(tf.exp(tf.matMul(pick, this.logStd)), zeta)) as tf.Tensor2D;
  }

  /** n × K one-hot rows of the labels. */
  oneHot(labels: Int32Array): tf.Tensor2D {
    const K = this.options.components;
    const m = new Float32Array(labels.length * K);
    labels.forEach((k, i) => {
      m[i * K + k] = 1;
    });
    return tf.tensor2d(m, [labels.length, K]);
  }

  /** log p(z) per row (n × d in), the whole mixture's density. */
  logDensity(z: tf.Tensor2D): tf.Tensor1D {
    return tf.logSumExp(this.jointLogDensities(z), 1) as tf.Tensor1D;
  }

  /** log π_k + log N(z; a_k, diag b_k²) of each row's drawn component. */
  labelledLogDensity(z: tf.Tensor2D, labels: Int32Array): tf.Tensor1D {
    return tf.sum(tf.mul(this.jointLogDensities(z), this.oneHot(labels)), 1) as tf.Tensor1D;
  }

  /** The most probable component of each latent row, argmax_k π_k N(z; a_k, diag b_k²). */
  likeliestLabels(z: tf.Tensor2D): Int32Array {
    return Int32Array.from(tf.tidy(() => tf.argMax(this.jointLogDensities(z), 1).dataSync()));
  }

  /** n × K: log π_k + log N(z; a_k, diag b_k²). */
  jointLogDensities(z: tf.Tensor2D): tf.Tensor2D {
    const [n, d] = z.shape;
    const K = this.options.components;
    const diff = tf.sub(z.reshape([n, 1, d]), this.centres.reshape([1, K, d]));
    const scaled = tf.mul(diff, tf.exp(tf.neg(this.logStd)).reshape([1, K, d]));
    const perComponent = tf.sub(
      tf.mul(tf.sum(tf.square(scaled), 2), -0.5),
      tf.add(tf.sum(this.logStd, 1).reshape([1, K]), 0.5 * d * LOG_2PI),
    );
    return tf.add(perComponent, this.logWeights().reshape([1, K])) as tf.Tensor2D;
  }

  /** n × K: log r(k|y) from the encoder's last hidden layer (with `componentDecoder`). */
  classifierLogProbs(hidden: tf.Tensor2D): tf.Tensor2D {
    return tf.logSoftmax(applyDense(this.classifier!, hidden)) as tf.Tensor2D;
  }

  /** P̃ = (1 − η) π + η/K (Float64). */
  proposalWeights(): Float64Array {
    const eta = this.options.balance;
    return this.weights().map((p) => (1 - eta) * p + eta / this.options.components);
  }

  /**
   * log(π_k / P̃_k) of each label drawn from P̃ (`proposal`, as drawn), differentiable in π (P̃ held
   * constant); `logPi`: the labels' {@link choiceLogProb} when the caller has it already.
   */
  proposalLogRatio(labels: Int32Array, proposal: Float64Array, logPi = this.choiceLogProb(labels)): tf.Tensor1D {
    const logProposal = new Float32Array(labels.length);
    for (let i = 0; i < labels.length; i++) logProposal[i] = Math.log(proposal[labels[i]!]!);
    return tf.sub(logPi, tf.tensor1d(logProposal)) as tf.Tensor1D;
  }

  /** log π_k of each drawn label: the discrete choice whose score-function gradient the trainer adds. */
  choiceLogProb(labels: Int32Array): tf.Tensor1D {
    if (this.rowOps) return labelLogWeight(this.logits, labels, LOGIT_SCALE);
    return tf.sum(
      tf.mul(this.oneHot(labels), this.logWeights().reshape([1, this.options.components])),
      1,
    ) as tf.Tensor1D;
  }

  private logWeights(): tf.Tensor1D {
    return tf.logSoftmax(tf.mul(this.logits, LOGIT_SCALE)) as tf.Tensor1D;
  }
}
