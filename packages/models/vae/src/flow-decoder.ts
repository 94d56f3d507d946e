/**
 * The VAE's optional flow decoder: a conditional normalising flow on top of the Gaussian decoder.
 *
 *   v = μ_θ(z) + σ_θ(z) · ε,   ε ~ N(0, I_D)          (the Gaussian decoder, standardised units)
 *   u = f_K ∘ … ∘ f_1(v; z)                            (this file)
 *   log q(u | z) = log N(v; μ_θ(z), σ²_θ(z)) − Σ_k log|det ∂f_k/∂x|
 *
 * Each f_k is a rational-quadratic spline coupling layer (`@embedcg/model-flow`'s splines): it
 * transforms one half of the coordinates (alternating parity from layer to layer) elementwise, with
 * spline parameters from an MLP that sees the untouched half and the latent z. The MLP's last
 * layer starts at zero, so a fresh flow is the identity and the decoder starts as the Gaussian one.
 */
import * as tf from '@embedcg/core/tf';
import { Mlp, glorotUniformScaledBound, type Rng } from '@embedcg/core';
import {
  concatParts,
  joinParts,
  put,
  selection,
  splineForward,
  splineInverse,
  splineParameterCount,
  take,
  type Selection,
  type SplineShape,
} from '@embedcg/model-flow';
import type { DecoderDensity, DensityDraw } from './decoder-density.js';
import type { DecoderStats } from './decoder-network.js';
import { gaussianLogDensityTf } from './gaussian.js';

/** Options of the flow decoder (`decoderFlow` in the VAE options). */
export interface DecoderFlowOptions {
  /** Number of coupling layers K (≥ 1). */
  layers: number;
  /** Spline bins per coordinate (2 … 64). */
  bins: number;
  /** Half-width B of the spline interval [−B, B] in standardised units; the identity outside. */
  bound: number;
  /** Hidden widths of each conditioner MLP (tanh); may be empty (a linear conditioner). */
  hidden: number[];
}

/** Smallest bin size (fraction of 2B) and knot derivative, as in the `flow` plugin. */
const MIN_BIN = 1e-3;
const MIN_DERIVATIVE = 1e-3;

/** Coordinates transformed by layer k: odd indices first, then even, alternating; D = 1: the one coordinate. */
export function transformedHalf(dimension: number, layer: number): number[] {
  if (dimension === 1) return [0];
  return [...Array(dimension).keys()].filter((i) => i % 2 === (layer + 1) % 2);
}

/** One spline coupling layer conditioned on the other half and on z. */
class ConditionalCoupling {
  private readonly conditioner: Mlp;
  private readonly cond: Selection | undefined;
  private readonly trans: Selection;
  private readonly m: number;
  private readonly perCoordinate: number;

  constructor(
    name: string,
    rng: Rng,
    D: number,
    d: number,
    transformed: number[],
    o: DecoderFlowOptions,
    private readonly shape: SplineShape,
    fused: boolean,
  ) {
    const set = new Set(transformed);
    const conditioning = [...Array(D).keys()].filter((i) => !set.has(i));
    this.m = transformed.length;
    this.perCoordinate = splineParameterCount(o.bins);
    const fanIn = conditioning.length + d;
    // The last layer starts at zero (kernel and bias): zero spline parameters are the identity.
    this.conditioner = new Mlp(name, rng, fanIn, o.hidden, this.m * this.perCoordinate, 'tanh', 0, {
      init: glorotUniformScaledBound,
      fused,
    });
    try {
      this.trans = selection(D, transformed, fused);
      this.cond = conditioning.length > 0 ? selection(D, conditioning, fused) : undefined;
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** Untouched half c, transformed half t and the n × m × (3K − 1) spline parameters. */
  private split(x: tf.Tensor2D, z: tf.Tensor2D): { c: tf.Tensor2D | undefined; t: tf.Tensor2D; params: tf.Tensor3D } {
    const n = x.shape[0];
    const c = this.cond ? take(x, this.cond) : undefined;
    const h = this.conditioner.apply(c ? concatParts([c, z], this.trans.fused) : z);
    return { c, t: take(x, this.trans), params: tf.reshape(h, [n, this.m, this.perCoordinate]) as tf.Tensor3D };
  }

  private join(c: tf.Tensor2D | undefined, t: tf.Tensor2D): tf.Tensor2D {
    return c && this.cond
      ? joinParts([
          [c, this.cond],
          [t, this.trans],
        ])
      : put(t, this.trans);
  }

  forward(x: tf.Tensor2D, z: tf.Tensor2D): { y: tf.Tensor2D; logDet: tf.Tensor1D } {
    const { c, t, params } = this.split(x, z);
    const s = splineForward(t, params, this.shape);
    return { y: this.join(c, s.y), logDet: tf.sum(s.logDet, 1) as tf.Tensor1D };
  }

  inverse(y: tf.Tensor2D, z: tf.Tensor2D): { x: tf.Tensor2D; logDet: tf.Tensor1D } {
    const { c, t, params } = this.split(y, z);
    const s = splineInverse(t, params, this.shape);
    return { x: this.join(c, s.x), logDet: tf.sum(s.logDet, 1) as tf.Tensor1D };
  }

  variables(): tf.Variable[] {
    return this.conditioner.variables();
  }

  dispose(): void {
    this.conditioner.dispose();
    tf.dispose(
      [this.trans?.m, this.trans?.t, this.cond?.m, this.cond?.t].filter((t): t is tf.Tensor2D => t !== undefined),
    );
  }
}

/**
 * The conditional flow u = f(v; z) of the flow decoder, with variables
 * `<name>/flow<k>/{dense<i>,out}/{kernel,bias}` (name is `<scope>/decoder`).
 * The caller owns tidying of the returned tensors.
 */
export class ConditionalSplineFlow {
  private readonly couplings: ConditionalCoupling[] = [];

  /** `fused`: the conditioners' tanh as a SIMD kernel (`training.fusedKernels`). */
  constructor(
    name: string,
    rng: Rng,
    dimension: number,
    latentDimension: number,
    options: DecoderFlowOptions,
    fused = false,
  ) {
    const shape: SplineShape = {
      bins: options.bins,
      bound: options.bound,
      minBin: MIN_BIN,
      minDerivative: MIN_DERIVATIVE,
    };
    try {
      for (let k = 0; k < options.layers; k++) {
        this.couplings.push(
          new ConditionalCoupling(
            `${name}/flow${k}`,
            rng,
            dimension,
            latentDimension,
            transformedHalf(dimension, k),
            options,
            shape,
            fused,
          ),
        );
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** u = f(v; z) and Σ_k log|det ∂f_k| per row. */
  forward(v: tf.Tensor2D, z: tf.Tensor2D): { u: tf.Tensor2D; logDet: tf.Tensor1D } {
    let x = v;
    let logDet: tf.Tensor1D | undefined;
    for (const c of this.couplings) {
      const r = c.forward(x, z);
      x = r.y;
      logDet = logDet ? (tf.add(logDet, r.logDet) as tf.Tensor1D) : r.logDet;
    }
    return { u: x, logDet: logDet ?? (tf.zeros([v.shape[0]]) as tf.Tensor1D) };
  }

  /** v = f⁻¹(u; z) and log|det ∂f⁻¹/∂u| = −Σ_k log|det ∂f_k| per row. */
  inverse(u: tf.Tensor2D, z: tf.Tensor2D): { v: tf.Tensor2D; logDet: tf.Tensor1D } {
    let x = u;
    let logDet: tf.Tensor1D | undefined;
    for (let k = this.couplings.length - 1; k >= 0; k--) {
      const r = this.couplings[k]!.inverse(x, z);
      x = r.x;
      logDet = logDet ? (tf.add(logDet, r.logDet) as tf.Tensor1D) : r.logDet;
    }
    return { v: x, logDet: logDet ?? (tf.zeros([u.shape[0]]) as tf.Tensor1D) };
  }

  /** Variables in layer order. */
  variables(): tf.Variable[] {
    return this.couplings.flatMap((c) => c.variables());
  }

  dispose(): void {
    for (const c of this.couplings) c.dispose();
  }
}

/** The flow decoder density: q(u|z) = N(f⁻¹(u; z); μ, σ²) |det ∂f⁻¹/∂u|, the Gaussian's sample pushed through f. */
export class FlowDensity implements DecoderDensity {
  readonly ownTerms: Uint8Array;

  constructor(
    private readonly flow: ConditionalSplineFlow,
    dimension: number,
  ) {
    this.ownTerms = new Uint8Array(dimension);
  }

  drawExtra(): undefined {
    return undefined;
  }

  /** u = f(v; z); log q loses log|det ∂f/∂v|. Still one pass. */
  push(v: tf.Tensor2D, z: tf.Tensor2D): DensityDraw {
    const { u, logDet } = this.flow.forward(v, z);
    return { u, adjust: (logQ) => tf.sub(logQ, logDet) as tf.Tensor1D };
  }

  /** Through the splines' analytic inverse. */
  logDensity(u: tf.Tensor2D, z: tf.Tensor2D, stats: DecoderStats): tf.Tensor1D {
    const inv = this.flow.inverse(u, z);
    return tf.add(gaussianLogDensityTf(inv.v, stats.mean, stats.logVariance), inv.logDet) as tf.Tensor1D;
  }

  /** f(μ; z): the Gaussian's centre pushed through the flow, a "mode-ish" representative, no longer the mean. */
  represent(mean: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor2D {
    return this.flow.forward(mean, z).u;
  }

  variables(): tf.Variable[] {
    return this.flow.variables();
  }

  dispose(): void {
    this.flow.dispose();
  }
}
