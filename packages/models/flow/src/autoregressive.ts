/**
 * Masked autoregressive layers (`coupling: 'autoregressive'`): every coordinate is transformed by
 * a rational-quadratic spline (or an affine map) whose parameters come from a MADE conditioner
 * (made.ts) and depend only on the coordinates before it in the layer's ordering.
 *
 * The layer is an inverse autoregressive flow in the sampling direction (Kingma et al. 2016;
 * MAF/IAF, Papamakarios et al. 2017): with x the layer's input on the base side,
 *
 *   y_i = τ(x_i; θ_i(x_<i))                     (forward / sampling: one MADE pass)
 *
 * so `draw()` and its log-determinant cost one pass per layer, which is what reverse-KL training
 * needs. The inverse (for `logProb` of given points) solves for x one position at a time:
 * D sequential passes per layer (pass t fixes the t-th coordinate of the ordering; each pass runs
 * the hidden layers in full but only that coordinate's outputs and spline).
 * The Jacobian is triangular in the ordering, so log|det| = Σ_i log τ′ either way.
 */
import * as tf from '@embedcg/core/tf';
import { createRng, type Activation, type Rng } from '@embedcg/core';
import { MaskedMlp } from './made.js';
import { affineParts } from './columns.js';
import { splineForward, splineInverse, splineParameterCount, type SplineShape } from './spline.js';

export type AutoregressiveTransform = 'spline' | 'affine';
export type AutoregressiveOrder = 'reverse' | 'random';
export const AUTOREGRESSIVE_TRANSFORMS: readonly AutoregressiveTransform[] = ['spline', 'affine'];
export const AUTOREGRESSIVE_ORDERS: readonly AutoregressiveOrder[] = ['reverse', 'random'];

export interface AutoregressiveSpec {
  name: string;
  /** order[p] is the coordinate at position p (a permutation of 0..D−1). */
  order: readonly number[];
  transform: AutoregressiveTransform;
  hidden: readonly number[];
  activation: Activation;
  finalLayerScale: number;
  scaleBound: number;
  spline: SplineShape;
}

// Keeps the orderings off the weight-initialisation stream (the weights do not depend on them).
const ORDER_SEED_SALT = 0x5eed0a7d;

/**
 * The orderings of `layers` autoregressive layers in dimension D. 'reverse': the identity order,
 * reversed on every other layer. 'random': a fresh random permutation (from `seed`) on even layers,
 * reversed on the next one, so each pair of layers sees every coordinate both first and last.
 */
export function autoregressiveOrders(
  dimension: number,
  layers: number,
  mode: AutoregressiveOrder,
  seed: number,
): number[][] {
  const rng = createRng((Math.floor(seed) ^ ORDER_SEED_SALT) >>> 0);
  const orders: number[][] = [];
  for (let k = 0; k < layers; k++) {
    if (k % 2 === 1) {
      orders.push([...orders[k - 1]!].reverse());
      continue;
    }
    const p = [...Array(dimension).keys()];
    if (mode === 'random') {
      for (let i = dimension - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [p[i], p[j]] = [p[j]!, p[i]!];
      }
    }
    orders.push(p);
  }
  return orders;
}

export class AutoregressiveLayer {
  private readonly conditioner: MaskedMlp;
  private readonly perCoordinate: number;
  readonly dimension: number;

  constructor(
    private readonly spec: AutoregressiveSpec,
    rng: Rng,
  ) {
    const D = spec.order.length;
    const seen = new Set(spec.order);
    if (seen.size !== D || !spec.order.every((i) => Number.isInteger(i) && i >= 0 && i < D)) {
      throw new RangeError(
        `flow model: autoregressive layer ${spec.name}: order must be a permutation of 0..${D - 1}, got ${JSON.stringify(spec.order)}`,
      );
    }
    this.dimension = D;
    this.perCoordinate = spec.transform === 'affine' ? 2 : splineParameterCount(spec.spline.bins);
    this.conditioner = new MaskedMlp(
      spec.name,
      rng,
      spec.order,
      spec.hidden,
      this.perCoordinate,
      spec.activation,
      spec.finalLayerScale,
      spec.spline.fused ?? false,
    );
  }

  /** n × D × P raw parameters; row i depends only on the coordinates before i in the ordering. */
  private params(x: tf.Tensor2D): tf.Tensor3D {
    return tf.reshape(this.conditioner.apply(x), [x.shape[0], this.dimension, this.perCoordinate]) as tf.Tensor3D;
  }

  /** x given y and the parameters, with the elementwise log dx/dy (n × D). */
  private invert(y: tf.Tensor2D, params: tf.Tensor3D): { x: tf.Tensor2D; logDet: tf.Tensor2D } {
    if (this.spec.transform === 'affine') {
      const { shift, logScale } = affineParts(params, this.spec.scaleBound, this.spec.spline.fused ?? false);
      return {
        x: tf.mul(tf.sub(y, shift), tf.exp(tf.neg(logScale))) as tf.Tensor2D,
        logDet: tf.neg(logScale) as tf.Tensor2D,
      };
    }
    return splineInverse(y, params, this.spec.spline);
  }

  /** y = f(x) and log|det ∂y/∂x| per row: one conditioner pass (the sampling direction). */
  forward(x: tf.Tensor2D): { y: tf.Tensor2D; logDet: tf.Tensor1D } {
    const params = this.params(x);
    if (this.spec.transform === 'affine') {
      const { shift, logScale } = affineParts(params, this.spec.scaleBound, this.spec.spline.fused ?? false);
      return {
        y: tf.add(tf.mul(x, tf.exp(logScale)), shift) as tf.Tensor2D,
        logDet: tf.sum(logScale, 1) as tf.Tensor1D,
      };
    }
    const s = splineForward(x, params, this.spec.spline);
    return { y: s.y, logDet: tf.sum(s.logDet, 1) as tf.Tensor1D };
  }

  /**
   * x = f⁻¹(y) and log|det ∂x/∂y| per row: D sequential passes, pass t solving for the t-th
   * coordinate c of the ordering. Its parameters θ_c need only the coordinates before it, which
   * earlier passes fixed (the rest are 0 and masked out), so each pass runs the conditioner's
   * hidden layers on n × D but only c's P outputs and a one-column spline. Gradients through the
   * passes are exact: this is the triangular solve itself, not a fixed-point approximation.
   */
  inverse(y: tf.Tensor2D): { x: tf.Tensor2D; logDet: tf.Tensor1D } {
    const D = this.dimension,
      P = this.perCoordinate;
    const n = y.shape[0];
    const kernels = this.conditioner.maskedKernels();
    let x: tf.Tensor2D = tf.zeros([n, D]);
    let logDet: tf.Tensor2D = tf.zeros([n, 1]);
    for (const c of this.spec.order) {
      const prev = x,
        prevLd = logDet;
      // One scope per pass, so only x and the log-determinant survive it (under a gradient tape
      // the engine keeps what backprop needs).
      [x, logDet] = tf.tidy(() => {
        const params = tf.reshape(this.conditioner.head(this.conditioner.trunk(prev, kernels), c, kernels), [
          n,
          1,
          P,
        ]) as tf.Tensor3D;
        const r = this.invert(tf.slice(y, [0, c], [n, 1]), params);
        const unit = new Float32Array(D);
        unit[c] = 1;
        return [
          tf.add(prev, tf.mul(r.x, tf.tensor2d(unit, [1, D]))) as tf.Tensor2D,
          tf.add(prevLd, r.logDet) as tf.Tensor2D,
        ];
      });
      prev.dispose();
      prevLd.dispose();
    }
    tf.dispose(kernels);
    const ld = tf.reshape(logDet, [n]) as tf.Tensor1D;
    logDet.dispose();
    return { x, logDet: ld };
  }

  variables(): tf.Variable[] {
    return this.conditioner.variables();
  }

  dispose(): void {
    this.conditioner.dispose();
  }
}
