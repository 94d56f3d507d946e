/**
 * A learnable Gaussian-mixture prior over the latent CVs (option `priorMixture`):
 *
 *   p(z) = Σ_k π_k N(z; a_k, diag b_k²),   π = softmax(logits)
 *
 * Why: with the standard normal prior, reverse KL moves probability between two basins only by
 * moving the boundary of their regions in z, and its gradient there is the local loss jump times
 * the few samples on the barrier. A minor basin drained while cooling stays drained even when its
 * free energy says it should grow. With a mixture, a draw picks a component k (a discrete choice)
 * and the trainer adds the score-function gradient of that choice, (ℓ_i − mean ℓ) ∇ log π_{k_i},
 * so the weights follow the components' mean losses: a basin-level signal (core's ModelDraw
 * `choiceLogProb`). It only helps when components map to different basins; on alanine and the
 * double well the decoder sent every component to the main basin (README).
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, normalizedWeights, type Rng } from '@embedcg/core';
import { LOG_2PI } from './gaussian.js';
import { createVariable } from './dense.js';

export interface PriorMixtureOptions {
  /** Number of components K (≥ 2). */
  components: number;
  /** Initial component centres are drawn from N(0, spread² I). */
  spread: number;
  /** Initial standard deviation of every component, per latent. */
  std: number;
}

/** Defaults of the optional fields (options schema and resolver). */
export const DEFAULT_PRIOR_MIXTURE = Object.freeze({ spread: 1, std: 0.5 });

// Its own stream, so the networks' weights are those of the same seed without the mixture.
const MIXTURE_SEED_SALT = 0x3c1f7a2b;

export class PriorMixture {
  readonly logits: tf.Variable;
  readonly centres: tf.Variable;
  readonly logStd: tf.Variable;

  constructor(scope: string, seed: number, readonly latentDimension: number, readonly options: PriorMixtureOptions) {
    const K = options.components;
    const d = latentDimension;
    const rng = createRng((Math.floor(seed) ^ MIXTURE_SEED_SALT) >>> 0);
    const centres = Float32Array.from({ length: K * d }, () => options.spread * rng.normal());
    const made: tf.Variable[] = [];
    try {
      this.logits = createVariable(`${scope}/prior/logits`, tf.zeros([K]));
      made.push(this.logits);
      this.centres = createVariable(`${scope}/prior/centres`, tf.tensor2d(centres, [K, d]));
      made.push(this.centres);
      this.logStd = createVariable(`${scope}/prior/logstd`, tf.fill([K, d], Math.log(options.std)));
    } catch (e) {
      for (const v of made) v.dispose();
      throw e;
    }
  }

  variables(): tf.Variable[] {
    return [this.logits, this.centres, this.logStd];
  }

  /** Current weights π (Float64). */
  weights(): Float64Array {
    return normalizedWeights(this.logits.dataSync());
  }

  /** n component labels k ~ Categorical(π), one uniform from `rng` each. */
  drawLabels(n: number, rng: Rng): Int32Array {
    const w = this.weights();
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let u = rng.uniform();
      let k = 0;
      while (k < w.length - 1 && u >= w[k]!) { u -= w[k]!; k++; }
      out[i] = k;
    }
    return out;
  }

  /**
   * z = a_k + b_k ζ for standard normals ζ (n × d): reparameterised in the centres and widths.
   * Rows are picked by a one-hot product, not tf.gather, whose gradient needs a kernel
   * (UnsortedSegmentSum) the wasm backend lacks.
   */
  latent(zeta: tf.Tensor2D, labels: Int32Array): tf.Tensor2D {
    const pick = this.oneHot(labels);
    return tf.add(tf.matMul(pick, this.centres), tf.mul(tf.exp(tf.matMul(pick, this.logStd)), zeta)) as tf.Tensor2D;
  }

  private oneHot(labels: Int32Array): tf.Tensor2D {
    const K = this.options.components;
    const m = new Float32Array(labels.length * K);
    labels.forEach((k, i) => { m[i * K + k] = 1; });
    return tf.tensor2d(m, [labels.length, K]);
  }

  /** log p(z) per row (n × d in), the whole mixture's density. */
  logDensity(z: tf.Tensor2D): tf.Tensor1D {
    const [n, d] = z.shape;
    const K = this.options.components;
    const diff = tf.sub(z.reshape([n, 1, d]), this.centres.reshape([1, K, d]));
    const scaled = tf.mul(diff, tf.exp(tf.neg(this.logStd)).reshape([1, K, d]));
    const perComponent = tf.sub(
      tf.mul(tf.sum(tf.square(scaled), 2), -0.5),
      tf.add(tf.sum(this.logStd, 1).reshape([1, K]), 0.5 * d * LOG_2PI),
    );
    return tf.logSumExp(tf.add(perComponent, this.logWeights().reshape([1, K])), 1) as tf.Tensor1D;
  }

  /** log π_k of each drawn label: the discrete choice whose score-function gradient the trainer adds. */
  choiceLogProb(labels: Int32Array): tf.Tensor1D {
    return tf.sum(tf.mul(this.oneHot(labels), this.logWeights().reshape([1, this.options.components])), 1) as tf.Tensor1D;
  }

  private logWeights(): tf.Tensor1D {
    return tf.logSoftmax(this.logits) as tf.Tensor1D;
  }
}
