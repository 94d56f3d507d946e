/**
 * The bounds of a component-aware decoder (`priorMixture.componentDecoder`): the component k is a
 * latent of its own, which the decoder sees and the encoder guesses (prior-mixture.ts). Where a
 * configuration is given rather than drawn, k is summed out exactly.
 */
import * as tf from '@embedcg/core/tf';
import type { PriorMixture } from './prior-mixture.js';

/** log q(u | z, k) per row for the one-hot component rows `component` (n × K), standardised units. */
export type ComponentDensity = (u: tf.Tensor2D, z: tf.Tensor2D, component: tf.Tensor2D) => tf.Tensor1D;

export class ComponentAware {
  constructor(
    readonly mixture: PriorMixture,
    private readonly density: ComponentDensity,
  ) {}

  /** n × K: log q(u | z, k) for every component k. */
  perComponent(u: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor2D {
    const n = z.shape[0];
    const columns = Array.from({ length: this.mixture.options.components }, (_, k) =>
      this.density(u, z, this.mixture.oneHot(new Int32Array(n).fill(k))).reshape([n, 1]),
    );
    return tf.concat(columns, 1) as tf.Tensor2D;
  }

  /** log q(u | z) = log Σ_k p(k | z) q(u | z, k). */
  marginal(u: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
    const joint = this.mixture.jointLogDensities(z);
    const logPosterior = tf.sub(joint, tf.logSumExp(joint, 1, true));
    return tf.logSumExp(tf.add(logPosterior, this.perComponent(u, z)), 1) as tf.Tensor1D;
  }

  /**
   * The bound's z- and k-dependent part with k summed out exactly under r(k|y), from the encoder's
   * last hidden layer: Σ_k r_k [log π_k N(z; a_k, b_k²) + log q(u|z, k) − log r_k].
   */
  summedBound(u: tf.Tensor2D, z: tf.Tensor2D, encoderHidden: tf.Tensor2D): tf.Tensor1D {
    const logRk = this.mixture.classifierLogProbs(encoderHidden);
    const perComponent = tf.add(this.perComponent(u, z), tf.sub(this.mixture.jointLogDensities(z), logRk));
    return tf.sum(tf.mul(tf.exp(logRk), perComponent), 1) as tf.Tensor1D;
  }

  /** The one-hot rows of each z's likeliest component. */
  likeliest(z: tf.Tensor2D): tf.Tensor2D {
    return this.mixture.oneHot(this.mixture.likeliestLabels(z));
  }
}
