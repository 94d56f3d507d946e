/**
 * One coupling layer: the coordinates in `transformed` are mapped elementwise, conditioned on the
 * others through an MLP, so the Jacobian is triangular and log|det| is a sum of log-derivatives.
 */
import * as tf from '@embedcg/core/tf';
import { Mlp, type Activation, type Rng } from '@embedcg/core';
import { affineParts, concatParts, joinParts, selection, sliceParts, take, type Selection } from './columns.js';
import { splineForward, splineInverse, splineParameterCount, type SplineShape } from './spline.js';
import {
  circularSplineForward,
  circularSplineInverse,
  circularSplineParameterCount,
  type CircularSplineShape,
} from './circular-spline.js';

export interface CouplingSpec {
  name: string;
  dimension: number;
  /** Indices this layer transforms; the rest condition. */
  transformed: number[];
  /** How the non-circular transformed coordinates are mapped. */
  type: 'affine' | 'spline';
  hidden: readonly number[];
  activation: Activation;
  finalLayerScale: number;
  scaleBound: number;
  spline: SplineShape;
  /**
   * Indices (of all D) that are angles on the circle [−π, π): when transformed they get the circular
   * spline whatever `type` says, and the conditioner sees them as (cos, sin).
   */
  circular?: readonly number[];
  /** Shape of the circular splines (default: `spline`'s bins and minima). */
  circularSpline?: CircularSplineShape;
  /** Width of an extra conditioning input (a conditional flow's context), 0 by default. */
  contextDimension?: number;
}

export class CouplingLayer {
  private readonly conditioner: Mlp;
  // Column selections as 0/1 matrices and their transposes: tf.gather's gradient needs
  // UnsortedSegmentSum, which the wasm backend lacks, while a product with a constant matrix
  // differentiates everywhere. Suffix C: circular coordinates; the others are real lines.
  private readonly pickCond: Selection;
  private readonly pickCondC: Selection | undefined;
  private readonly pickTrans: Selection;
  private readonly pickTransC: Selection | undefined;
  private readonly condCount: number;
  private readonly condCountC: number;
  private readonly transCount: number;
  private readonly transCountC: number;
  private readonly perCoordinate: number;
  private readonly perCoordinateC: number;
  private readonly circularShape: CircularSplineShape;

  constructor(
    private readonly spec: CouplingSpec,
    rng: Rng,
  ) {
    const D = spec.dimension;
    const circ = new Set(spec.circular ?? []);
    const tr = [...spec.transformed];
    const trSet = new Set(tr);
    const cd = [...Array(D).keys()].filter((i) => !trSet.has(i));
    const [trN, trC] = [tr.filter((i) => !circ.has(i)), tr.filter((i) => circ.has(i))];
    const [cdN, cdC] = [cd.filter((i) => !circ.has(i)), cd.filter((i) => circ.has(i))];
    this.condCount = cdN.length;
    this.condCountC = cdC.length;
    this.transCount = trN.length;
    this.transCountC = trC.length;
    this.perCoordinate = spec.type === 'affine' ? 2 : splineParameterCount(spec.spline.bins);
    this.circularShape = spec.circularSpline ?? {
      bins: spec.spline.bins,
      minBin: spec.spline.minBin,
      minDerivative: spec.spline.minDerivative,
      ...(spec.spline.fused ? { fused: true } : {}),
    };
    this.perCoordinateC = circularSplineParameterCount(this.circularShape.bins);
    // With nothing to condition on (D = 1) the MLP sees a constant 1, i.e. learns free parameters.
    const fanIn = Math.max(1, cdN.length + 2 * cdC.length + (spec.contextDimension ?? 0));
    const fanOut = trN.length * this.perCoordinate + trC.length * this.perCoordinateC;
    const fused = spec.spline.fused ?? false;
    this.conditioner = new Mlp(spec.name, rng, fanIn, spec.hidden, fanOut, spec.activation, spec.finalLayerScale, {
      fused,
    });
    this.pickCond = selection(D, cdN, fused);
    this.pickTrans = selection(D, trN, fused);
    this.pickCondC = cdC.length > 0 ? selection(D, cdC, fused) : undefined;
    this.pickTransC = trC.length > 0 ? selection(D, trC, fused) : undefined;
  }

  private split(
    x: tf.Tensor2D,
    context?: tf.Tensor2D,
  ): {
    c: tf.Tensor2D;
    cc: tf.Tensor2D | undefined;
    t: tf.Tensor2D;
    tc: tf.Tensor2D | undefined;
    params: tf.Tensor3D | undefined;
    paramsC: tf.Tensor3D | undefined;
  } {
    const n = x.shape[0];
    const c = this.condCount > 0 ? take(x, this.pickCond) : undefined;
    const cc = this.pickCondC ? take(x, this.pickCondC) : undefined;
    const features = [...(c ? [c] : []), ...(cc ? [tf.cos(cc), tf.sin(cc)] : []), ...(context ? [context] : [])];
    const input =
      features.length === 0 ? (tf.ones([n, 1]) as tf.Tensor2D) : concatParts(features, this.pickTrans.fused);
    const out = this.conditioner.apply(input);
    const t = take(x, this.pickTrans);
    const tc = this.pickTransC ? take(x, this.pickTransC) : undefined;
    const sizeN = this.transCount * this.perCoordinate;
    let params: tf.Tensor3D | undefined;
    let paramsC: tf.Tensor3D | undefined;
    if (this.transCountC === 0) {
      params = tf.reshape(out, [n, this.transCount, this.perCoordinate]) as tf.Tensor3D;
    } else {
      const sizeC = this.transCountC * this.perCoordinateC;
      const cols = (begin: number, size: number) => sliceParts(out, begin, size, this.pickTrans.fused);
      if (sizeN > 0) params = tf.reshape(cols(0, sizeN), [n, this.transCount, this.perCoordinate]) as tf.Tensor3D;
      paramsC = tf.reshape(cols(sizeN, sizeC), [n, this.transCountC, this.perCoordinateC]) as tf.Tensor3D;
    }
    return { c: c ?? (tf.zeros([n, 0]) as tf.Tensor2D), cc, t, tc, params, paramsC };
  }

  private checkContext(context: tf.Tensor2D | undefined): void {
    const want = this.spec.contextDimension ?? 0;
    const got = context ? context.shape[1] : 0;
    if (got !== want)
      throw new RangeError(`coupling layer ${this.spec.name}: expects a context of width ${want}, got ${got}`);
  }

  private join(c: tf.Tensor2D, cc: tf.Tensor2D | undefined, t: tf.Tensor2D, tc: tf.Tensor2D | undefined): tf.Tensor2D {
    const parts: Array<readonly [tf.Tensor2D, Selection]> = [];
    if (this.transCount > 0) parts.push([t, this.pickTrans]);
    if (this.condCount > 0) parts.push([c, this.pickCond]);
    if (cc && this.pickCondC) parts.push([cc, this.pickCondC]);
    if (tc && this.pickTransC) parts.push([tc, this.pickTransC]);
    return joinParts(parts);
  }

  /** y = f(x) and log|det ∂y/∂x| per row. */
  forward(x: tf.Tensor2D, context?: tf.Tensor2D): { y: tf.Tensor2D; logDet: tf.Tensor1D } {
    this.checkContext(context);
    const { c, cc, t, tc, params, paramsC } = this.split(x, context);
    let yt: tf.Tensor2D;
    let logDet: tf.Tensor1D;
    if (this.transCount === 0) {
      yt = t;
      logDet = tf.zeros([x.shape[0]]);
    } else if (this.spec.type === 'affine') {
      const { shift, logScale } = affineParts(params!, this.spec.scaleBound, this.pickTrans.fused);
      yt = tf.add(tf.mul(t, tf.exp(logScale)), shift) as tf.Tensor2D;
      logDet = tf.sum(logScale, 1) as tf.Tensor1D;
    } else {
      const s = splineForward(t, params!, this.spec.spline);
      yt = s.y;
      logDet = tf.sum(s.logDet, 1) as tf.Tensor1D;
    }
    let ytc: tf.Tensor2D | undefined;
    if (tc && paramsC) {
      const s = circularSplineForward(tc, paramsC, this.circularShape);
      ytc = s.y;
      logDet = tf.add(logDet, tf.sum(s.logDet, 1)) as tf.Tensor1D;
    }
    return { y: this.join(c, cc, yt, ytc), logDet };
  }

  /** x = f⁻¹(y) and log|det ∂x/∂y| per row (the conditioning half is unchanged, so it is exact). */
  inverse(y: tf.Tensor2D, context?: tf.Tensor2D): { x: tf.Tensor2D; logDet: tf.Tensor1D } {
    this.checkContext(context);
    const { c, cc, t, tc, params, paramsC } = this.split(y, context);
    let xt: tf.Tensor2D;
    let logDet: tf.Tensor1D;
    if (this.transCount === 0) {
      xt = t;
      logDet = tf.zeros([y.shape[0]]);
    } else if (this.spec.type === 'affine') {
      const { shift, logScale } = affineParts(params!, this.spec.scaleBound, this.pickTrans.fused);
      xt = tf.mul(tf.sub(t, shift), tf.exp(tf.neg(logScale))) as tf.Tensor2D;
      logDet = tf.neg(tf.sum(logScale, 1)) as tf.Tensor1D;
    } else {
      const s = splineInverse(t, params!, this.spec.spline);
      xt = s.x;
      logDet = tf.sum(s.logDet, 1) as tf.Tensor1D;
    }
    let xtc: tf.Tensor2D | undefined;
    if (tc && paramsC) {
      const s = circularSplineInverse(tc, paramsC, this.circularShape);
      xtc = s.x;
      logDet = tf.add(logDet, tf.sum(s.logDet, 1)) as tf.Tensor1D;
    }
    return { x: this.join(c, cc, xt, xtc), logDet };
  }

  variables(): tf.Variable[] {
    return this.conditioner.variables();
  }

  dispose(): void {
    this.conditioner.dispose();
    tf.dispose([this.pickCond.m, this.pickCond.t, this.pickTrans.m, this.pickTrans.t]);
    if (this.pickCondC) tf.dispose([this.pickCondC.m, this.pickCondC.t]);
    if (this.pickTransC) tf.dispose([this.pickTransC.m, this.pickTransC.t]);
  }
}

/** Indices transformed by layer k: alternating parity, so two consecutive layers touch every coordinate. */
export function alternatingMask(dimension: number, layer: number): number[] {
  if (dimension === 1) return [0];
  return [...Array(dimension).keys()].filter((i) => i % 2 === (layer + 1) % 2);
}
