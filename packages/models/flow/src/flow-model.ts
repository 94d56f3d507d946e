/**
 * The coupling-flow model (science.md §4): a standard-Gaussian base, K coupling layers with
 * alternating masks, and an optional learnable elementwise affine output layer:
 *
 *   ε ~ N(0, I_D),  u = f_K ∘ … ∘ f_1(ε),  y = m + s · (exp(a) ⊙ u + b)
 *   log q(y) = log N(ε) − Σ_k log|det ∂f_k| − Σ_i a_i − D log s        (exact)
 *
 * m (`outputMean`) and s (`outputScale`) put the flow in standardised units around a reference
 * structure. With `finalLayerScale` 0 every conditioner outputs 0 at the start and the flow is the
 * identity, so the first samples are m + s·ε.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, modelVector } from '@embedcg/core';
import type { Model, ModelDraw, ModelMetadata, Rng } from '@embedcg/core';
import { CouplingLayer, alternatingMask } from './coupling.js';
import { AutoregressiveLayer, autoregressiveOrders } from './autoregressive.js';
import { createVariable } from './dense.js';
import { resolveOptions, type FlowOptions } from './options.js';

export const LOG_2PI = Math.log(2 * Math.PI);

/** What the programmatic factory needs besides the options. */
export interface FlowContext {
  dimension: number;
  /** Seed of the weight initialisation. */
  seed: number;
  /** Reference configuration (length D); `options.outputMean` wins when both are given. */
  outputMean?: ArrayLike<number>;
  /** Per-dimension output scales (length D); `options.outputScales` wins when both are given. */
  outputScales?: ArrayLike<number>;
}

// Keeps the initial weights off the random stream the trainer seeds from the same run seed.
const WEIGHT_SEED_SALT = 0x0f10f10f;

export class FlowModel implements Model {
  readonly name = 'flow';
  readonly dimension: number;
  readonly exactDensity = true;
  readonly options: Readonly<FlowOptions>;
  readonly outputMean: Float64Array | undefined;

  private readonly couplings: Array<CouplingLayer | AutoregressiveLayer> = [];
  private readonly logScale: tf.Variable | undefined;
  private readonly shift: tf.Variable | undefined;
  private readonly meanTensor: tf.Tensor2D | undefined;
  /** Per-dimension output scales s (all `outputScale` unless `outputScales` is given). */
  private readonly scales: Float64Array;
  private readonly scaleTensor: tf.Tensor2D | undefined;
  private readonly logScaleSum: number;
  private disposed = false;

  constructor(options: Partial<FlowOptions>, context: FlowContext) {
    const o = resolveOptions(options, context.dimension);
    const D = context.dimension;
    this.options = Object.freeze(o);
    this.dimension = D;
    const mean = o.outputMean ?? context.outputMean;
    if (mean !== undefined) this.outputMean = modelVector(mean, D, 'flow model: outputMean');
    const perDim = o.outputScales ?? context.outputScales;
    this.scales = perDim !== undefined ? modelVector(perDim, D, 'flow model: outputScales') : new Float64Array(D).fill(o.outputScale);
    const nonPositive = this.scales.findIndex((v) => !(v > 0));
    if (nonPositive >= 0) throw new RangeError(`flow model: outputScales[${nonPositive}] must be a positive number, got ${this.scales[nonPositive]}`);
    this.logScaleSum = this.scales.reduce((a, v) => a + Math.log(v), 0);
    if (!Number.isFinite(context.seed)) throw new RangeError(`flow model: seed must be a finite number, got ${context.seed}`);
    const rng = createRng((Math.floor(context.seed) ^ WEIGHT_SEED_SALT) >>> 0);
    try {
      const orders = o.coupling === 'autoregressive' ? autoregressiveOrders(D, o.layers, o.autoregressiveOrder ?? 'reverse', context.seed) : undefined;
      for (let k = 0; k < o.layers; k++) {
        if (orders) {
          this.couplings.push(new AutoregressiveLayer({
            name: `${o.scope}/coupling${k}`, order: orders[k]!, transform: o.autoregressiveTransform ?? 'spline',
            hidden: o.hidden, activation: o.activation, finalLayerScale: o.finalLayerScale, scaleBound: o.scaleBound,
            spline: { bins: o.bins, bound: o.bound, minBin: 1e-3, minDerivative: 1e-3 },
          }, rng));
          continue;
        }
        this.couplings.push(new CouplingLayer({
          name: `${o.scope}/coupling${k}`, dimension: D, transformed: alternatingMask(D, k), type: o.coupling as 'affine' | 'spline',
          hidden: o.hidden, activation: o.activation, finalLayerScale: o.finalLayerScale, scaleBound: o.scaleBound,
          spline: { bins: o.bins, bound: o.bound, minBin: 1e-3, minDerivative: 1e-3 },
        }, rng));
      }
      if (o.outputAffine) {
        this.logScale = createVariable(`${o.scope}/output/logScale`, tf.zeros([D]));
        this.shift = createVariable(`${o.scope}/output/shift`, tf.zeros([D]));
      }
    } catch (e) {
      for (const c of this.couplings) c.dispose();
      this.logScale?.dispose();
      throw e;
    }
    this.meanTensor = this.outputMean ? tf.tensor2d(Float32Array.from(this.outputMean), [1, D]) : undefined;
    this.scaleTensor = this.scales.every((v) => v === 1) ? undefined : tf.tensor2d(Float32Array.from(this.scales), [1, D]);
  }

  /** Draw n samples; takes n × D standard normals from `rng`. Differentiable in `variables()`. */
  draw(n: number, rng: Rng): ModelDraw {
    this.checkLive();
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`flow model: draw needs a positive integer sample count, got ${n}`);
    const D = this.dimension;
    const eps = rng.fillNormal(new Float32Array(n * D)) as Float32Array;
    // log N(ε) does not depend on the parameters: sum it in Float64.
    const base = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < D; k++) s += eps[i * D + k]! ** 2;
      base[i] = -0.5 * s - 0.5 * D * LOG_2PI;
    }
    return tf.tidy(() => {
      const { y, logDet } = this.forward(tf.tensor2d(eps, [n, D]));
      return { y, logQ: tf.sub(tf.tensor1d(base), logDet) as tf.Tensor1D };
    });
  }

  /** y = g(ε) and log|det ∂y/∂ε| per row, for base points ε (n × D). */
  forward(eps: tf.Tensor2D): { y: tf.Tensor2D; logDet: tf.Tensor1D } {
    this.checkLive();
    this.checkShape('forward', eps);
    return tf.tidy(() => {
      let u = eps;
      let logDet: tf.Tensor1D = tf.zeros([eps.shape[0]]);
      for (const c of this.couplings) {
        const r = c.forward(u);
        u = r.y;
        logDet = tf.add(logDet, r.logDet);
      }
      const constant = this.logScaleSum;
      if (this.logScale && this.shift) {
        u = tf.add(tf.mul(u, tf.exp(this.logScale)), this.shift);
        logDet = tf.add(logDet, tf.sum(this.logScale));
      }
      let y = this.scaleTensor ? (tf.mul(u, this.scaleTensor) as tf.Tensor2D) : u;
      if (this.meanTensor) y = tf.add(y, this.meanTensor);
      if (constant !== 0) logDet = tf.add(logDet, constant);
      return { y, logDet };
    });
  }

  /** ε = g⁻¹(y) and log|det ∂ε/∂y| per row (exact inverse: affine by division, splines by the quadratic root). */
  inverse(y: tf.Tensor2D): { eps: tf.Tensor2D; logDet: tf.Tensor1D } {
    this.checkLive();
    this.checkShape('inverse', y);
    return tf.tidy(() => {
      let u = this.meanTensor ? tf.sub(y, this.meanTensor) as tf.Tensor2D : y;
      if (this.scaleTensor) u = tf.div(u, this.scaleTensor);
      let logDet: tf.Tensor1D = tf.fill([y.shape[0]], -this.logScaleSum);
      if (this.logScale && this.shift) {
        u = tf.mul(tf.sub(u, this.shift), tf.exp(tf.neg(this.logScale)));
        logDet = tf.sub(logDet, tf.sum(this.logScale));
      }
      for (let k = this.couplings.length - 1; k >= 0; k--) {
        const r = this.couplings[k]!.inverse(u);
        u = r.x;
        logDet = tf.add(logDet, r.logDet);
      }
      return { eps: u, logDet };
    });
  }

  /** Exact log q(y) of given configurations (n × D), through the inverse. */
  logProb(y: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const { eps, logDet } = this.inverse(y);
      const logBase = tf.sub(tf.mul(tf.sum(tf.square(eps), 1), -0.5), 0.5 * this.dimension * LOG_2PI);
      return tf.add(logBase, logDet) as tf.Tensor1D;
    });
  }

  /** All trainable variables in a stable order: `<scope>/coupling<k>/{dense<i>,out}/{kernel,bias}`, then `<scope>/output/{logScale,shift}`. */
  variables(): tf.Variable[] {
    this.checkLive();
    return [...this.couplings.flatMap((c) => c.variables()), ...(this.logScale && this.shift ? [this.logScale, this.shift] : [])];
  }

  metadata(): ModelMetadata {
    const o = this.options;
    return {
      plugin: 'flow',
      dimension: this.dimension,
      exactDensity: true,
      options: {
        layers: o.layers, coupling: o.coupling, hidden: [...o.hidden], activation: o.activation, bins: o.bins, bound: o.bound,
        scaleBound: o.scaleBound, finalLayerScale: o.finalLayerScale, outputAffine: o.outputAffine, outputScale: o.outputScale,
        scope: o.scope,
        ...(o.coupling === 'autoregressive' ? { autoregressiveTransform: o.autoregressiveTransform ?? 'spline', autoregressiveOrder: o.autoregressiveOrder ?? 'reverse' } : {}),
        ...(this.outputMean ? { outputMean: Array.from(this.outputMean) } : {}),
        ...(this.scales.some((v) => v !== o.outputScale) ? { outputScales: Array.from(this.scales) } : {}),
      },
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of this.couplings) c.dispose();
    this.logScale?.dispose();
    this.shift?.dispose();
    this.meanTensor?.dispose();
    this.scaleTensor?.dispose();
  }

  private checkLive(): void {
    if (this.disposed) throw new Error('flow model: used after dispose()');
  }

  private checkShape(method: string, t: tf.Tensor): void {
    if (t.rank !== 2 || t.shape[1] !== this.dimension) {
      throw new RangeError(`flow model: ${method} expects an n × ${this.dimension} tensor, got shape [${t.shape.join(', ')}]`);
    }
  }
}

/** Build a flow model from options (defaults filled) and a dimension/seed. */
export function createFlowModel(options: Partial<FlowOptions>, context: FlowContext): FlowModel {
  return new FlowModel(options, context);
}
