/**
 * The structured model of Stupp & Koutsourelakis (docs/science/models.md): slow latent z ∈ R^d from a coupling flow, fast
 * coordinates X | z ~ N(μ(z), diag exp(2 s(z))), and a learnable invertible linear map A = L·U
 * (L unit lower-triangular, U upper-triangular with diagonal exp(a)) to configurations:
 *
 *   y = m + σ₀ · A [z; X],    log q(y) = log q(z) + log N(X; μ(z), e^{2s(z)}) − Σ a − D log σ₀
 *
 * The CVs of a configuration are z = first d entries of A⁻¹ (y − m)/σ₀: the CG map is the inverse
 * of the bijection, no encoder needed. A starts at the identity and μ, s at 0.
 */
import * as tf from '@embedcg/core/tf';
import { createRng, modelVector } from '@embedcg/core';
import type { Model, ModelDraw, ModelMetadata, Rng } from '@embedcg/core';
import { Mlp, createVariable } from '@embedcg/core';
import { FlowModel, LOG_2PI } from './flow-model.js';
import { STRUCTURED_DEFAULTS, type StructuredFlowOptions } from './structured-options.js';

export interface StructuredFlowContext {
  dimension: number;
  seed: number;
  outputMean?: ArrayLike<number>;
  /** Fused spline ops (default true); false runs the unfused compositions (`training.fusedKernels`). */
  fused?: boolean;
}

const WEIGHT_SEED_SALT = 0x57a0c7ed;

export class StructuredFlowModel implements Model {
  readonly name = 'structured-flow';
  readonly dimension: number;
  readonly latentDimension: number;
  readonly exactDensity = true;
  readonly options: Readonly<StructuredFlowOptions>;
  readonly outputMean: Float64Array | undefined;

  private readonly slow: FlowModel;
  private readonly fast: Mlp | undefined;
  private readonly lower: tf.Variable;
  private readonly upper: tf.Variable;
  private readonly logDiag: tf.Variable;
  private readonly lowerMask: tf.Tensor2D;
  private readonly upperMask: tf.Tensor2D;
  private readonly eye: tf.Tensor2D;
  private readonly meanTensor: tf.Tensor2D | undefined;
  private disposed = false;

  constructor(options: Partial<StructuredFlowOptions>, context: StructuredFlowContext) {
    const o: StructuredFlowOptions = {
      ...STRUCTURED_DEFAULTS,
      hidden: [...STRUCTURED_DEFAULTS.hidden],
      fastHidden: [...STRUCTURED_DEFAULTS.fastHidden],
      ...(Object.fromEntries(
        Object.entries(options).filter(([, v]) => v !== undefined),
      ) as Partial<StructuredFlowOptions>),
    };
    const D = context.dimension;
    const d = o.latentDim;
    if (!Number.isInteger(D) || D < 1)
      throw new RangeError(`structured-flow model: dimension must be a positive integer, got ${D}`);
    if (!Number.isInteger(d) || d < 1 || d > D)
      throw new RangeError(
        `structured-flow model: option latentDim must be an integer in [1, ${D}] (the model dimension), got ${d}`,
      );
    if (!(o.outputScale > 0))
      throw new RangeError(`structured-flow model: option outputScale must be positive, got ${o.outputScale}`);
    this.options = Object.freeze(o);
    this.dimension = D;
    this.latentDimension = d;
    const mean = o.outputMean ?? context.outputMean;
    if (mean !== undefined) this.outputMean = modelVector(mean, D, 'structured-flow model: outputMean');
    const rng = createRng((Math.floor(context.seed) ^ WEIGHT_SEED_SALT) >>> 0);
    const fused = context.fused ?? true;
    this.slow = new FlowModel(
      {
        coupling: o.coupling,
        layers: o.layers,
        hidden: o.hidden,
        activation: o.activation,
        bins: o.bins,
        bound: o.bound,
        scaleBound: o.scaleBound,
        outputAffine: true,
        baseComponents: o.baseComponents,
        baseSpread: o.baseSpread,
        scope: `${o.scope}/slow`,
      },
      { dimension: d, seed: Math.floor(rng.uniform() * 2 ** 31), fused },
    );
    this.fast =
      D > d ? new Mlp(`${o.scope}/fast`, rng, d, o.fastHidden, 2 * (D - d), o.activation, 0, { fused }) : undefined;
    this.lower = createVariable(`${o.scope}/A/lower`, tf.zeros([D, D]));
    this.upper = createVariable(`${o.scope}/A/upper`, tf.zeros([D, D]));
    this.logDiag = createVariable(`${o.scope}/A/logDiag`, tf.zeros([D]));
    const lm = new Float32Array(D * D),
      um = new Float32Array(D * D);
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) {
        if (j < i) lm[i * D + j] = 1;
        if (j > i) um[i * D + j] = 1;
      }
    this.lowerMask = tf.tensor2d(lm, [D, D]);
    this.upperMask = tf.tensor2d(um, [D, D]);
    this.eye = tf.eye(D) as tf.Tensor2D;
    this.meanTensor = this.outputMean ? tf.tensor2d(Float32Array.from(this.outputMean), [1, D]) : undefined;
  }

  /** The linear map A = L·U (D × D). */
  matrix(): tf.Tensor2D {
    return tf.tidy(() => {
      const L = tf.add(tf.mul(this.lower, this.lowerMask), this.eye);
      const U = tf.add(tf.mul(this.upper, this.upperMask), tf.mul(this.eye, tf.exp(this.logDiag)));
      return tf.matMul(L, U) as tf.Tensor2D;
    });
  }

  /** A as a row-major Float64Array (for reports). */
  matrixValues(): Float64Array {
    const a = this.matrix();
    const v = Float64Array.from(a.dataSync());
    a.dispose();
    return v;
  }

  /** Draws: n × d normals for the slow flow, then n × (D − d) for the fast coordinates, from `rng`. */
  draw(n: number, rng: Rng): ModelDraw {
    this.checkLive();
    const D = this.dimension,
      d = this.latentDimension,
      f = D - d;
    return tf.tidy(() => {
      // Inside the tidy, so the slow flow's logQ is released with the other intermediates.
      const zDraw = this.slow.draw(n, rng);
      const eps = rng.fillNormal(new Float32Array(n * f)) as Float32Array;
      const base = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < f; k++) s += eps[i * f + k]! ** 2;
        base[i] = -0.5 * s - 0.5 * f * LOG_2PI - D * Math.log(this.options.outputScale);
      }
      const z = zDraw.y;
      let v = z;
      let logQ = tf.add(zDraw.logQ, tf.tensor1d(base)) as tf.Tensor1D;
      if (this.fast) {
        const { mu, logSigma } = this.fastParts(z);
        const X = tf.add(mu, tf.mul(tf.exp(logSigma), tf.tensor2d(eps, [n, f])));
        v = tf.concat([z, X], 1) as tf.Tensor2D;
        logQ = tf.sub(logQ, tf.sum(logSigma, 1));
      }
      logQ = tf.sub(logQ, tf.sum(this.logDiag));
      let y = tf.matMul(v, this.matrix(), false, true) as tf.Tensor2D;
      if (this.options.outputScale !== 1) y = tf.mul(y, this.options.outputScale);
      if (this.meanTensor) y = tf.add(y, this.meanTensor);
      return { y, logQ, z };
    });
  }

  /** CVs: the first d entries of A⁻¹ (y − m)/σ₀ (n × d). */
  encode(y: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.slice(this.toLatent(y), [0, 0], [y.shape[0], this.latentDimension]) as tf.Tensor2D);
  }

  /**
   * y split the way the model generates it: the slow latent z (the CVs) and the standardised fast
   * noise ε = (X − μ(z))/σ(z). When the model has separated slow from fast, ε is N(0, I) and carries
   * no information about which state z is in; the GMM bench checks that on exact samples.
   */
  splitLatent(y: tf.Tensor2D): { z: tf.Tensor2D; noise: tf.Tensor2D } {
    return tf.tidy(() => {
      const D = this.dimension,
        d = this.latentDimension,
        n = y.shape[0];
      const v = this.toLatent(y);
      const z = tf.slice(v, [0, 0], [n, d]) as tf.Tensor2D;
      if (!this.fast) return { z, noise: tf.zeros([n, 0]) as tf.Tensor2D };
      const { mu, logSigma } = this.fastParts(z);
      return { z, noise: tf.mul(tf.sub(tf.slice(v, [0, d], [n, D - d]), mu), tf.exp(tf.neg(logSigma))) as tf.Tensor2D };
    });
  }

  /** Exact log q(y) through the inverse. */
  logProb(y: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const D = this.dimension,
        d = this.latentDimension,
        n = y.shape[0];
      const v = this.toLatent(y, true);
      const z = tf.slice(v, [0, 0], [n, d]) as tf.Tensor2D;
      let lp = tf.sub(
        this.slow.logProb(z),
        tf.add(tf.sum(this.logDiag), D * Math.log(this.options.outputScale)),
      ) as tf.Tensor1D;
      if (this.fast) {
        const f = D - d;
        const X = tf.slice(v, [0, d], [n, f]);
        const { mu, logSigma } = this.fastParts(z);
        const e = tf.mul(tf.sub(X, mu), tf.exp(tf.neg(logSigma)));
        lp = tf.sub(lp, tf.add(tf.add(tf.mul(tf.sum(tf.square(e), 1), 0.5), tf.sum(logSigma, 1)), 0.5 * f * LOG_2PI));
      }
      return lp;
    });
  }

  variables(): tf.Variable[] {
    this.checkLive();
    return [...this.slow.variables(), ...(this.fast?.variables() ?? []), this.lower, this.upper, this.logDiag];
  }

  metadata(): ModelMetadata {
    const o = this.options;
    return {
      plugin: 'structured-flow',
      dimension: this.dimension,
      latentDimension: this.latentDimension,
      exactDensity: true,
      options: {
        ...o,
        hidden: [...o.hidden],
        fastHidden: [...o.fastHidden],
        ...(this.outputMean ? { outputMean: Array.from(this.outputMean) } : {}),
      },
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.slow.dispose();
    this.fast?.dispose();
    tf.dispose([this.lower, this.upper, this.logDiag, this.lowerMask, this.upperMask, this.eye]);
    this.meanTensor?.dispose();
  }

  private fastParts(z: tf.Tensor2D): { mu: tf.Tensor2D; logSigma: tf.Tensor2D } {
    const n = z.shape[0],
      f = this.dimension - this.latentDimension;
    const out = this.fast!.apply(z);
    return { mu: tf.slice(out, [0, 0], [n, f]) as tf.Tensor2D, logSigma: tf.slice(out, [0, f], [n, f]) as tf.Tensor2D };
  }

  /**
   * v = A⁻¹ (y − m)/σ₀, with A⁻¹ computed in Float64 (tfjs has no triangular solve). With
   * `differentiable`, v carries the gradient to A's factors through d(A⁻¹) = −A⁻¹ dA A⁻¹, which
   * forward KL and annealing by reweighting need: their loss is log q at given points, so without
   * it they could never move A.
   */
  private toLatent(y: tf.Tensor2D, differentiable = false): tf.Tensor2D {
    this.checkLive();
    if (y.rank !== 2 || y.shape[1] !== this.dimension)
      throw new RangeError(
        `structured-flow model: expected an n × ${this.dimension} tensor, got shape [${y.shape.join(', ')}]`,
      );
    const D = this.dimension;
    const inv = invert(this.matrixValues(), D);
    return tf.tidy(() => {
      let u: tf.Tensor2D = this.meanTensor ? tf.sub(y, this.meanTensor) : y;
      if (this.options.outputScale !== 1) u = tf.mul(u, 1 / this.options.outputScale);
      const Ainv = tf.tensor2d(Float32Array.from(inv), [D, D]);
      if (!differentiable) return tf.matMul(u, Ainv, false, true) as tf.Tensor2D;
      // A⁻¹ and v go through `save`: the tape outlives this tidy, and saved tensors are kept for it.
      const solve = tf.customGrad((uIn, A, save) => {
        const value = tf.matMul(uIn as tf.Tensor2D, Ainv, false, true);
        (save as tf.GradSaveFunc)([Ainv, value]);
        // With v = u A⁻ᵀ and G = ∂L/∂v: ∂L/∂u = G A⁻¹ and ∂L/∂A = −A⁻ᵀ Gᵀ v.
        const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [inv, v] = saved as [tf.Tensor2D, tf.Tensor2D];
          return [
            tf.matMul(dy as tf.Tensor2D, inv),
            tf.neg(tf.matMul(inv, tf.matMul(dy as tf.Tensor2D, v, true, false), true, false)),
          ];
        };
        return { value, gradFunc };
      });
      return solve(u, this.matrix()) as tf.Tensor2D;
    });
  }

  private checkLive(): void {
    if (this.disposed) throw new Error('structured-flow model: used after dispose()');
  }
}

/** Inverse of a D × D row-major matrix by Gauss–Jordan with partial pivoting, in Float64. */
export function invert(a: Float64Array, D: number): Float64Array {
  const m = Float64Array.from(a);
  const inv = new Float64Array(D * D);
  for (let i = 0; i < D; i++) inv[i * D + i] = 1;
  for (let c = 0; c < D; c++) {
    let p = c;
    for (let r = c + 1; r < D; r++) if (Math.abs(m[r * D + c]!) > Math.abs(m[p * D + c]!)) p = r;
    if (m[p * D + c] === 0) throw new RangeError('structured-flow model: the linear map A is singular');
    for (let j = 0; j < D; j++) {
      [m[c * D + j], m[p * D + j]] = [m[p * D + j]!, m[c * D + j]!];
      [inv[c * D + j], inv[p * D + j]] = [inv[p * D + j]!, inv[c * D + j]!];
    }
    const piv = m[c * D + c]!;
    for (let j = 0; j < D; j++) {
      m[c * D + j] = m[c * D + j]! / piv;
      inv[c * D + j] = inv[c * D + j]! / piv;
    }
    for (let r = 0; r < D; r++) {
      if (r === c) continue;
      const f = m[r * D + c]!;
      if (f === 0) continue;
      for (let j = 0; j < D; j++) {
        m[r * D + j] = m[r * D + j]! - f * m[c * D + j]!;
        inv[r * D + j] = inv[r * D + j]! - f * inv[c * D + j]!;
      }
    }
  }
  return inv;
}
