/**
 * One coupling layer: the coordinates in `transformed` are mapped elementwise, conditioned on the
 * others through an MLP, so the Jacobian is triangular and log|det| is a sum of log-derivatives.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@embedcg/core';
import { Mlp, type Activation } from './dense.js';
import { splineForward, splineInverse, splineParameterCount, type SplineShape } from './spline.js';

export interface CouplingSpec {
  name: string;
  dimension: number;
  /** Indices this layer transforms; the rest condition. */
  transformed: number[];
  type: 'affine' | 'spline';
  hidden: readonly number[];
  activation: Activation;
  finalLayerScale: number;
  scaleBound: number;
  spline: SplineShape;
}

interface Selection {
  /** D × k: column j picks coordinate idx[j]. */
  m: tf.Tensor2D;
  /** Its transpose, k × D (scatters back). */
  t: tf.Tensor2D;
}

function selection(D: number, idx: number[]): Selection {
  const k = Math.max(1, idx.length);
  const m = new Float32Array(D * k);
  idx.forEach((coord, j) => { m[coord * k + j] = 1; });
  const t = new Float32Array(k * D);
  idx.forEach((coord, j) => { t[j * D + coord] = 1; });
  return { m: tf.tensor2d(m, [D, k]), t: tf.tensor2d(t, [k, D]) };
}

/** x · M with gradient dy · Mᵀ (Mᵀ given, so no transposed product on wasm's slow path). */
const selectOp = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, m, mt, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([mt]);
  return {
    value: tf.matMul(x, m),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.matMul(dy as tf.Tensor2D, saved[0] as tf.Tensor2D), tf.zerosLike(m), tf.zerosLike(mt)],
  };
});

function select(x: tf.Tensor2D, m: tf.Tensor2D, mt: tf.Tensor2D): tf.Tensor2D {
  return selectOp(x, m, mt) as tf.Tensor2D;
}

export class CouplingLayer {
  private readonly conditioner: Mlp;
  // Column selections as 0/1 matrices and their transposes: tf.gather's gradient needs
  // UnsortedSegmentSum, which the wasm backend lacks, while a product with a constant matrix
  // differentiates everywhere.
  private readonly pickCond: Selection;
  private readonly pickTrans: Selection;
  private readonly condCount: number;
  private readonly transCount: number;
  private readonly perCoordinate: number;

  constructor(private readonly spec: CouplingSpec, rng: Rng) {
    const D = spec.dimension;
    const tr = [...spec.transformed];
    const trSet = new Set(tr);
    const cd = [...Array(D).keys()].filter((i) => !trSet.has(i));
    this.condCount = cd.length;
    this.transCount = tr.length;
    this.perCoordinate = spec.type === 'affine' ? 2 : splineParameterCount(spec.spline.bins);
    // With nothing to condition on (D = 1) the MLP sees a constant 1, i.e. learns free parameters.
    this.conditioner = new Mlp(spec.name, rng, Math.max(1, cd.length), spec.hidden, tr.length * this.perCoordinate, spec.activation, spec.finalLayerScale);
    this.pickCond = selection(D, cd);
    this.pickTrans = selection(D, tr);
  }

  private split(x: tf.Tensor2D): { c: tf.Tensor2D; t: tf.Tensor2D; params: tf.Tensor3D } {
    const n = x.shape[0];
    const c = this.condCount > 0 ? select(x, this.pickCond.m, this.pickCond.t) : tf.ones([n, 1]) as tf.Tensor2D;
    const t = select(x, this.pickTrans.m, this.pickTrans.t);
    const params = tf.reshape(this.conditioner.apply(c), [n, this.transCount, this.perCoordinate]) as tf.Tensor3D;
    return { c: this.condCount > 0 ? c : (tf.zeros([n, 0]) as tf.Tensor2D), t, params };
  }

  private join(c: tf.Tensor2D, t: tf.Tensor2D): tf.Tensor2D {
    const back = select(t, this.pickTrans.t, this.pickTrans.m);
    return this.condCount > 0 ? tf.add(select(c, this.pickCond.t, this.pickCond.m), back) as tf.Tensor2D : back;
  }

  private affineParts(params: tf.Tensor3D): { shift: tf.Tensor2D; logScale: tf.Tensor2D } {
    const [n, m] = params.shape;
    const shift = tf.reshape(tf.slice(params, [0, 0, 0], [n, m, 1]), [n, m]) as tf.Tensor2D;
    const raw = tf.reshape(tf.slice(params, [0, 0, 1], [n, m, 1]), [n, m]);
    const b = this.spec.scaleBound;
    return { shift, logScale: tf.mul(tf.tanh(tf.div(raw, b)), b) as tf.Tensor2D };
  }

  /** y = f(x) and log|det ∂y/∂x| per row. */
  forward(x: tf.Tensor2D): { y: tf.Tensor2D; logDet: tf.Tensor1D } {
    const { c, t, params } = this.split(x);
    if (this.spec.type === 'affine') {
      const { shift, logScale } = this.affineParts(params);
      const yt = tf.add(tf.mul(t, tf.exp(logScale)), shift) as tf.Tensor2D;
      return { y: this.join(c, yt), logDet: tf.sum(logScale, 1) as tf.Tensor1D };
    }
    const s = splineForward(t, params, this.spec.spline);
    return { y: this.join(c, s.y), logDet: tf.sum(s.logDet, 1) as tf.Tensor1D };
  }

  /** x = f⁻¹(y) and log|det ∂x/∂y| per row (the conditioning half is unchanged, so it is exact). */
  inverse(y: tf.Tensor2D): { x: tf.Tensor2D; logDet: tf.Tensor1D } {
    const { c, t, params } = this.split(y);
    if (this.spec.type === 'affine') {
      const { shift, logScale } = this.affineParts(params);
      const xt = tf.mul(tf.sub(t, shift), tf.exp(tf.neg(logScale))) as tf.Tensor2D;
      return { x: this.join(c, xt), logDet: tf.neg(tf.sum(logScale, 1)) as tf.Tensor1D };
    }
    const s = splineInverse(t, params, this.spec.spline);
    return { x: this.join(c, s.x), logDet: tf.sum(s.logDet, 1) as tf.Tensor1D };
  }

  variables(): tf.Variable[] {
    return this.conditioner.variables();
  }

  dispose(): void {
    this.conditioner.dispose();
    tf.dispose([this.pickCond.m, this.pickCond.t, this.pickTrans.m, this.pickTrans.t]);
  }
}

/** Indices transformed by layer k: alternating parity, so two consecutive layers touch every coordinate. */
export function alternatingMask(dimension: number, layer: number): number[] {
  if (dimension === 1) return [0];
  return [...Array(dimension).keys()].filter((i) => i % 2 === (layer + 1) % 2);
}
