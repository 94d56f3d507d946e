/**
 * The recognition model r_φ(z | y) = N(μ_φ(u), diag σ²_φ(u)) on standardised u: an MLP with one
 * activation per hidden layer, then linear heads for the mean and the (soft-clamped) log-variance.
 * Coordinates in `hidden` (three-fold rotors with `rotorEncoder: 'hidden'`) are zeroed in its
 * input, so the CVs cannot depend on them.
 */
import * as tf from '@embedcg/core/tf';
import {
  activationFn,
  applyDense,
  createDense,
  glorotUniformScaledBound as init,
  type Activation,
  type Dense,
  type Rng,
} from '@embedcg/core';
import { softClampLogVariance } from './log-variance.js';

export interface EncoderOut {
  mean: tf.Tensor2D;
  logVariance: tf.Tensor2D;
  /** The last hidden layer's activations (u itself without hidden layers), for a mixture's classifier. */
  hidden: tf.Tensor2D;
}

export class Encoder {
  private readonly layers: Dense[] = [];
  private readonly meanHead: Dense;
  private readonly logVarianceHead: Dense;
  /** 1 × D mask of what the encoder sees (0 at hidden coordinates). */
  private readonly mask: tf.Tensor2D | undefined;

  /** Variables `<scope>/encoder/{dense<i>,mean,logvar}/{kernel,bias}`, drawn from `rng` in that order. */
  constructor(
    scope: string,
    rng: Rng,
    dimension: number,
    latentDimension: number,
    widths: readonly number[],
    private readonly activations: readonly Activation[],
    hidden: readonly number[],
    /** Activations and bias gradients as SIMD kernels (`training.fusedKernels`). */
    private readonly fused = false,
  ) {
    try {
      let fanIn = dimension;
      for (const [i, w] of widths.entries()) {
        this.layers.push(createDense(`${scope}/encoder/dense${i}`, rng, fanIn, w, { init }));
        fanIn = w;
      }
      this.meanHead = createDense(`${scope}/encoder/mean`, rng, fanIn, latentDimension, { init });
      this.logVarianceHead = createDense(`${scope}/encoder/logvar`, rng, fanIn, latentDimension, { init });
    } catch (e) {
      this.dispose();
      throw e;
    }
    if (hidden.length > 0) {
      const mask = new Float32Array(dimension).fill(1);
      for (const i of hidden) mask[i] = 0;
      this.mask = tf.tensor2d(mask, [1, dimension]);
    }
  }

  apply(u: tf.Tensor2D): EncoderOut {
    let h = this.mask ? (tf.mul(u, this.mask) as tf.Tensor2D) : u;
    this.layers.forEach((layer, i) => {
      h = activationFn(this.activations[i]!, this.fused)(applyDense(layer, h, this.fused)) as tf.Tensor2D;
    });
    return {
      mean: applyDense(this.meanHead, h, this.fused),
      logVariance: softClampLogVariance(
        applyDense(this.logVarianceHead, h, this.fused),
        undefined,
        this.fused,
      ) as tf.Tensor2D,
      hidden: h,
    };
  }

  variables(): tf.Variable[] {
    const heads = [this.meanHead, this.logVarianceHead].filter((l) => l !== undefined);
    return [...this.layers, ...heads].flatMap((l) => [l.kernel, l.bias]);
  }

  dispose(): void {
    for (const v of this.variables()) if (!v.isDisposed) v.dispose();
    this.mask?.dispose();
  }
}
