/**
 * A learnable Gaussian-mixture base for the coupling flow:
 *   p(ε) = Σ_k π_k N(ε; μ_k, diag σ_k²),   π = softmax(logits).
 * Why: a coupling flow pushes one Gaussian blob through a continuous bijection, so between well
 * separated modes it keeps thin bridges of mass whose samples carry huge importance weights. With one
 * component per mode, the flow only has to shape each blob. Draws are differentiable in μ and σ
 * (ε = μ_k + σ_k ⊙ n); the component k is discrete, so the logits receive no pathwise gradient and
 * learn from losses at given points (log q in forward KL, annealing by reweighting). Under reverse
 * KL their gradient is zero in expectation, and the weights stay where they are.
 */
import * as tf from '@embedcg/core/tf';
import { createVariable, type Rng } from '@embedcg/core';

const LOG_2PI = Math.log(2 * Math.PI);

export class GaussianMixtureBase {
  readonly components: number;
  readonly dimension: number;
  private readonly means: tf.Variable;
  private readonly logScales: tf.Variable;
  private readonly logits: tf.Variable;

  /** Means start as standard normals times `spread` (from `rng`), scales at 1 and weights equal. */
  constructor(scope: string, components: number, dimension: number, rng: Rng, spread: number) {
    if (!Number.isInteger(components) || components < 2)
      throw new RangeError(
        `flow model: option baseComponents must be an integer ≥ 2 for a mixture base, got ${components}`,
      );
    this.components = components;
    this.dimension = dimension;
    const init = rng.fillNormal(new Float32Array(components * dimension)).map((v) => v * spread) as Float32Array;
    this.means = createVariable(`${scope}/base/means`, tf.tensor2d(init, [components, dimension]));
    this.logScales = createVariable(`${scope}/base/logScales`, tf.zeros([components, dimension]));
    this.logits = createVariable(`${scope}/base/logits`, tf.zeros([components]));
  }

  /** Mixture weights π (Float64, for reports). */
  weights(): Float64Array {
    return Float64Array.from(tf.tidy(() => tf.softmax(this.logits).dataSync()));
  }

  /**
   * n draws (n × D tensor). Random numbers from `rng`: n uniforms for the components, then n × D
   * standard normals.
   */
  sample(n: number, rng: Rng): tf.Tensor2D {
    const pi = this.weights();
    const index = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let u = rng.uniform(),
        k = 0;
      while (k < this.components - 1 && u >= pi[k]!) u -= pi[k++]!;
      index[i] = k;
    }
    const normals = rng.fillNormal(new Float32Array(n * this.dimension)) as Float32Array;
    // Rows are picked by a one-hot product, not tf.gather: gather's gradient needs the
    // UnsortedSegmentSum kernel, which the wasm backend lacks.
    const oneHot = new Float32Array(n * this.components);
    for (let i = 0; i < n; i++) oneHot[i * this.components + index[i]!] = 1;
    return tf.tidy(() => {
      const pick = tf.tensor2d(oneHot, [n, this.components]);
      const mu = tf.matMul(pick, this.means);
      const sigma = tf.exp(tf.matMul(pick, this.logScales));
      return tf.add(mu, tf.mul(sigma, tf.tensor2d(normals, [n, this.dimension]))) as tf.Tensor2D;
    });
  }

  /** log p(ε) per row, differentiable in ε and in every parameter. */
  logDensity(eps: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const diff = tf.sub(tf.expandDims(eps, 1), tf.expandDims(this.means, 0)); // n × K × D
      const z = tf.mul(diff, tf.exp(tf.neg(tf.expandDims(this.logScales, 0))));
      const perComponent = tf.sub(
        tf.mul(tf.sum(tf.square(z), 2), -0.5),
        tf.add(tf.expandDims(tf.sum(this.logScales, 1), 0), 0.5 * this.dimension * LOG_2PI),
      ); // n × K
      const logPi = tf.logSoftmax(this.logits);
      return tf.logSumExp(tf.add(perComponent, tf.expandDims(logPi, 0)), 1) as tf.Tensor1D;
    });
  }

  variables(): tf.Variable[] {
    return [this.means, this.logScales, this.logits];
  }

  dispose(): void {
    tf.dispose([this.means, this.logScales, this.logits]);
  }
}
