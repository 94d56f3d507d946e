/**
 * The coupling-flow model (docs/science/models.md): a base distribution, K coupling layers with
 * alternating masks, and an optional learnable elementwise affine output layer:
 *
 *   ε ~ base,  u = f_K ∘ … ∘ f_1(ε),  y = m + s · (exp(a) ⊙ u + b)
 *   log q(y) = log p(ε) − Σ_k log|det ∂f_k| − Σ_i a_i − Σ_i log s_i        (exact)
 *
 * m (`outputMean`) and s (`outputScale`) put the flow in standardised units around a reference
 * structure. With `finalLayerScale` 0 every conditioner outputs 0 at the start and the flow is the
 * identity, so the first samples are m + s·ε.
 *
 * The base is N(0, 1) per real coordinate (`base: 'gaussian'`) or N(0, 1) truncated to
 * [−baseBound, baseBound] (`'truncated-normal'`). Circular coordinates (`circular`, the torsions)
 * are angles: their base is uniform on [−π, π), the couplings map them with circular splines
 * (conditioners see them as cos, sin), and they skip the output scale and affine layer:
 * y_i = wrap(m_i + u_i), so a circle maps onto itself and log q is a density on the circle.
 */
import * as tf from '@embedcg/core/tf';
import { createRng, modelVector } from '@embedcg/core';
import type { Model, ModelDraw, ModelMetadata, Rng } from '@embedcg/core';
import { createFlowLayers, type FlowLayer } from './flow-layers.js';
import { PI_BELOW_F32, wrapAngle } from './circular-spline.js';
import { createVariable } from '@embedcg/core';
import { circularIndices, resolveOptions, type FlowOptions } from './options.js';
import { blend } from './spline.js';
import { fillTruncatedNormal, truncatedNormalLogNormalizer } from './truncated-normal.js';
import { GaussianMixtureBase } from './mixture-base.js';

export const LOG_2PI = Math.log(2 * Math.PI);

export { circularIndices } from './options.js';

/** What the programmatic factory needs besides the options. */
export interface FlowContext {
  dimension: number;
  /** Seed of the weight initialisation. */
  seed: number;
  /** Reference configuration (length D); `options.outputMean` wins when both are given. */
  outputMean?: ArrayLike<number>;
  /** Per-dimension output scales (length D); `options.outputScales` wins when both are given. */
  outputScales?: ArrayLike<number>;
  /**
   * Circular flags (length D, 1 = angle) of the run's coordinate transform, which
   * `circular: 'auto'` uses (the internal-coordinates transform's `circular`).
   */
  circular?: ArrayLike<number>;
  /** Fused spline ops (default true); false runs the unfused compositions (`training.fusedKernels`). */
  fused?: boolean;
}

/** Slack on the truncated-normal support in `logProb`, for float32 round-off of points drawn at the edge. */
const SUPPORT_SLACK = 1e-4;

// |ε| ≤ B as a 0/1 float with a zero gradient (comparisons have none in tfjs).
const withinBound = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [v, bound] = args as [tf.Tensor2D, tf.Scalar];
  const value = tf.tidy(() => tf.cast(tf.lessEqual(tf.abs(v), bound), 'float32'));
  return { value, gradFunc: () => [tf.zerosLike(v), tf.zerosLike(bound)] };
});

// Keeps the initial weights off the random stream the trainer seeds from the same run seed.
const WEIGHT_SEED_SALT = 0x0f10f10f;

export class FlowModel implements Model {
  readonly name = 'flow';
  readonly dimension: number;
  readonly exactDensity = true;
  readonly options: Readonly<FlowOptions>;
  readonly outputMean: Float64Array | undefined;

  /** Model-space indices of the circular coordinates (angles in [−π, π)), sorted. */
  readonly circular: readonly number[];

  private readonly couplings: FlowLayer[];
  private readonly logScale: tf.Variable | undefined;
  private readonly shift: tf.Variable | undefined;
  private readonly meanTensor: tf.Tensor2D | undefined;
  /** Per-dimension output scales s as given (all `outputScale` unless `outputScales` is given). */
  private readonly scales: Float64Array;
  /** The scales applied: 1 on circular coordinates. */
  private readonly scaleTensor: tf.Tensor2D | undefined;
  private readonly logScaleSum: number;
  /** 1 on circular coordinates, 0 elsewhere (1 × D); undefined without circular coordinates. */
  private readonly circMask: tf.Tensor2D | undefined;
  /** 1 − circMask. */
  private readonly lineMask: tf.Tensor2D | undefined;
  private readonly isCircular: Uint8Array;
  /** Truncation of the base ('truncated-normal'), else undefined. */
  private readonly baseBound: number | undefined;
  private readonly baseLogNormalizer: number;
  /** The learnable mixture base (`baseComponents` > 1), else undefined. */
  readonly mixture: GaussianMixtureBase | undefined;
  private disposed = false;

  constructor(options: Partial<FlowOptions>, context: FlowContext) {
    const o = resolveOptions(options, context.dimension);
    const D = context.dimension;
    this.options = Object.freeze(o);
    this.dimension = D;
    const mean = o.outputMean ?? context.outputMean;
    if (mean !== undefined) this.outputMean = modelVector(mean, D, 'flow model: outputMean');
    const perDim = o.outputScales ?? context.outputScales;
    this.scales =
      perDim !== undefined
        ? modelVector(perDim, D, 'flow model: outputScales')
        : new Float64Array(D).fill(o.outputScale);
    const nonPositive = this.scales.findIndex((v) => !(v > 0));
    if (nonPositive >= 0)
      throw new RangeError(
        `flow model: outputScales[${nonPositive}] must be a positive number, got ${this.scales[nonPositive]}`,
      );
    this.circular = Object.freeze(circularIndices(o.circular, context.circular, D));
    if (this.circular.length > 0 && o.coupling === 'autoregressive') {
      throw new RangeError(
        "flow model: option circular needs coupling 'spline' or 'affine'; the autoregressive layers have no circular spline (set circular: 'none')",
      );
    }
    this.isCircular = new Uint8Array(D);
    for (const i of this.circular) this.isCircular[i] = 1;
    // A circle maps onto itself: circular coordinates are not scaled.
    const applied = this.scales.map((v, i) => (this.isCircular[i] ? 1 : v));
    this.logScaleSum = applied.reduce((a, v) => a + Math.log(v), 0);
    this.baseBound = o.base === 'truncated-normal' ? (o.baseBound ?? o.bound) : undefined;
    this.baseLogNormalizer = this.baseBound !== undefined ? truncatedNormalLogNormalizer(this.baseBound) : 0;
    if (!Number.isFinite(context.seed))
      throw new RangeError(`flow model: seed must be a finite number, got ${context.seed}`);
    const rng = createRng((Math.floor(context.seed) ^ WEIGHT_SEED_SALT) >>> 0);
    this.couplings = createFlowLayers(o, D, this.circular, context.seed, rng, context.fused ?? true);
    try {
      if (o.outputAffine) {
        this.logScale = createVariable(`${o.scope}/output/logScale`, tf.zeros([D]));
        this.shift = createVariable(`${o.scope}/output/shift`, tf.zeros([D]));
      }
      if (o.baseComponents > 1) {
        if (this.circular.length > 0)
          throw new RangeError(
            "flow model: option baseComponents > 1 needs no circular coordinates (their base is uniform on the circle); set circular: 'none' or baseComponents: 1",
          );
        this.mixture = new GaussianMixtureBase(o.scope, o.baseComponents, D, rng, o.baseSpread);
      }
    } catch (e) {
      for (const c of this.couplings) c.dispose();
      this.logScale?.dispose();
      this.shift?.dispose();
      throw e;
    }
    this.meanTensor = this.outputMean ? tf.tensor2d(Float32Array.from(this.outputMean), [1, D]) : undefined;
    this.scaleTensor = applied.every((v) => v === 1) ? undefined : tf.tensor2d(Float32Array.from(applied), [1, D]);
    if (this.circular.length > 0) {
      this.circMask = tf.tensor2d(Float32Array.from(this.isCircular), [1, D]);
      this.lineMask = tf.tensor2d(
        Float32Array.from(this.isCircular, (c) => 1 - c),
        [1, D],
      );
    }
  }

  /**
   * Draw n samples, differentiable in `variables()`. Random numbers from `rng`: with a Gaussian
   * base and no circular coordinates, n × D standard normals (row-major); otherwise n × (D − C)
   * base draws of the real coordinates (normals, or one uniform per truncated normal), then n × C
   * uniforms for the C circular coordinates.
   */
  draw(n: number, rng: Rng): ModelDraw {
    this.checkLive();
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`flow model: draw needs a positive integer sample count, got ${n}`);
    if (this.mixture) {
      const mixture = this.mixture;
      return tf.tidy(() => {
        const eps = mixture.sample(n, rng);
        const { y, logDet } = this.forward(eps);
        return { y, logQ: tf.sub(mixture.logDensity(eps), logDet) as tf.Tensor1D };
      });
    }
    const eps = this.sampleBase(n, rng);
    const base = this.baseLogDensity64(eps, n);
    return tf.tidy(() => {
      const { y, logDet } = this.forward(tf.tensor2d(eps, [n, this.dimension]));
      return { y, logQ: tf.sub(tf.tensor1d(base), logDet) as tf.Tensor1D };
    });
  }

  /** n base points (n × D, row-major). */
  private sampleBase(n: number, rng: Rng): Float32Array {
    const D = this.dimension;
    const C = this.circular.length;
    if (C === 0 && this.baseBound === undefined) return rng.fillNormal(new Float32Array(n * D)) as Float32Array;
    const L = D - C;
    const line = new Float64Array(n * L);
    if (this.baseBound === undefined) rng.fillNormal(line);
    else fillTruncatedNormal(rng, line, this.baseBound);
    const eps = new Float32Array(n * D);
    for (let i = 0, j = 0; i < n; i++) for (let k = 0; k < D; k++) if (!this.isCircular[k]) eps[i * D + k] = line[j++]!;
    for (let i = 0; i < n; i++) {
      for (const k of this.circular) {
        // Float32 rounding may reach ±π; keep the angle inside [−π, π).
        const a = Math.fround((2 * rng.uniform() - 1) * Math.PI);
        eps[i * D + k] = Math.min(PI_BELOW_F32, Math.max(-PI_BELOW_F32, a));
      }
    }
    return eps;
  }

  /** log p(ε) per row in Float64 (it does not depend on the parameters). */
  private baseLogDensity64(eps: Float32Array, n: number): Float32Array {
    const D = this.dimension;
    const L = D - this.circular.length;
    const constant = -0.5 * L * LOG_2PI - L * this.baseLogNormalizer - this.circular.length * LOG_2PI;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < D; k++) if (!this.isCircular[k]) s += eps[i * D + k]! ** 2;
      out[i] = -0.5 * s + constant;
    }
    return out;
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
        const { logScale, shift } = this.outputAffineParts();
        u = tf.add(tf.mul(u, tf.exp(logScale)), shift);
        logDet = tf.add(logDet, tf.sum(logScale));
      }
      let y = this.scaleTensor ? (tf.mul(u, this.scaleTensor) as tf.Tensor2D) : u;
      if (this.meanTensor) y = tf.add(y, this.meanTensor);
      if (this.circMask) y = blend(this.circMask, wrapAngle(y), y);
      if (constant !== 0) logDet = tf.add(logDet, constant);
      return { y, logDet };
    });
  }

  /** ε = g⁻¹(y) and log|det ∂ε/∂y| per row (exact inverse: affine by division, splines by the quadratic root). */
  inverse(y: tf.Tensor2D): { eps: tf.Tensor2D; logDet: tf.Tensor1D } {
    this.checkLive();
    this.checkShape('inverse', y);
    return tf.tidy(() => {
      let u = this.meanTensor ? (tf.sub(y, this.meanTensor) as tf.Tensor2D) : y;
      if (this.circMask) u = blend(this.circMask, wrapAngle(u), u);
      if (this.scaleTensor) u = tf.div(u, this.scaleTensor);
      let logDet: tf.Tensor1D = tf.fill([y.shape[0]], -this.logScaleSum);
      if (this.logScale && this.shift) {
        const { logScale, shift } = this.outputAffineParts();
        u = tf.mul(tf.sub(u, shift), tf.exp(tf.neg(logScale)));
        logDet = tf.sub(logDet, tf.sum(logScale));
      }
      for (let k = this.couplings.length - 1; k >= 0; k--) {
        const r = this.couplings[k]!.inverse(u);
        u = r.x;
        logDet = tf.add(logDet, r.logDet);
      }
      return { eps: u, logDet };
    });
  }

  /**
   * Exact log q(y) of given configurations (n × D), through the inverse. Circular coordinates are
   * read on the circle (any real value, wrapped). With a truncated-normal base, configurations
   * whose base point lies outside [−baseBound, baseBound] have log q = −∞.
   */
  logProb(y: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const { eps, logDet } = this.inverse(y);
      return tf.add(this.baseLogDensity(eps), logDet) as tf.Tensor1D;
    });
  }

  /** log p(ε) per row, as a tensor. */
  private baseLogDensity(eps: tf.Tensor2D): tf.Tensor1D {
    if (this.mixture) return this.mixture.logDensity(eps);
    const L = this.dimension - this.circular.length;
    const line = this.lineMask ? tf.mul(eps, this.lineMask) : eps;
    const constant = 0.5 * L * LOG_2PI + L * this.baseLogNormalizer + this.circular.length * LOG_2PI;
    let logBase = tf.sub(tf.mul(tf.sum(tf.square(line), 1), -0.5), constant) as tf.Tensor1D;
    if (this.baseBound !== undefined) {
      // log 1 = 0 inside the support, log 0 = −∞ outside (circular coordinates always count as inside).
      const B = this.baseBound * (1 + SUPPORT_SLACK);
      let inside = withinBound(eps, tf.scalar(B)) as tf.Tensor2D;
      if (this.circMask) inside = tf.maximum(inside, this.circMask);
      logBase = tf.add(logBase, tf.sum(tf.log(inside), 1));
    }
    return logBase;
  }

  /** The output layer's log-scales and shifts, zero on circular coordinates (1 × D each). */
  private outputAffineParts(): { logScale: tf.Tensor; shift: tf.Tensor } {
    if (!this.lineMask) return { logScale: this.logScale!, shift: this.shift! };
    return { logScale: tf.mul(this.logScale!, this.lineMask), shift: tf.mul(this.shift!, this.lineMask) };
  }

  /** All trainable variables in a stable order: `<scope>/coupling<k>/{dense<i>,out}/{kernel,bias}`, then `<scope>/output/{logScale,shift}`. */
  variables(): tf.Variable[] {
    this.checkLive();
    return [
      ...this.couplings.flatMap((c) => c.variables()),
      ...(this.logScale && this.shift ? [this.logScale, this.shift] : []),
      ...(this.mixture?.variables() ?? []),
    ];
  }

  metadata(): ModelMetadata {
    const o = this.options;
    return {
      plugin: 'flow',
      dimension: this.dimension,
      exactDensity: true,
      options: {
        layers: o.layers,
        coupling: o.coupling,
        hidden: [...o.hidden],
        activation: o.activation,
        bins: o.bins,
        bound: o.bound,
        scaleBound: o.scaleBound,
        finalLayerScale: o.finalLayerScale,
        outputAffine: o.outputAffine,
        outputScale: o.outputScale,
        scope: o.scope,
        circular: [...this.circular],
        base: o.base,
        ...(this.baseBound !== undefined ? { baseBound: this.baseBound } : {}),
        ...(this.mixture ? { baseComponents: o.baseComponents, baseSpread: o.baseSpread } : {}),
        ...(o.coupling === 'autoregressive'
          ? {
              autoregressiveTransform: o.autoregressiveTransform ?? 'spline',
              autoregressiveOrder: o.autoregressiveOrder ?? 'reverse',
            }
          : {}),
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
    this.mixture?.dispose();
    this.meanTensor?.dispose();
    this.scaleTensor?.dispose();
    this.circMask?.dispose();
    this.lineMask?.dispose();
  }

  private checkLive(): void {
    if (this.disposed) throw new Error('flow model: used after dispose()');
  }

  private checkShape(method: string, t: tf.Tensor): void {
    if (t.rank !== 2 || t.shape[1] !== this.dimension) {
      throw new RangeError(
        `flow model: ${method} expects an n × ${this.dimension} tensor, got shape [${t.shape.join(', ')}]`,
      );
    }
  }
}

/** Build a flow model from options (defaults filled) and a dimension/seed. */
export function createFlowModel(options: Partial<FlowOptions>, context: FlowContext): FlowModel {
  return new FlowModel(options, context);
}
