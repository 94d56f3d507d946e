/**
 * The slow/fast flow (docs/science/models.md, the flow paper's structured latent in internal coordinates): a coupling
 * flow over the few slow coordinates s (φ, ψ, the methyl rotors), and a Gaussian over the fast
 * rest given them, in standardised units around a reference structure:
 *
 *   s ~ q_slow (a FlowModel over the d slow coordinates: uniform base and circular splines for angles)
 *   u | s ~ N(μ(φ(s)), diag exp(2 σ(φ(s)))),   y_fast = m_fast + scale ⊙ u   (wrapped for angles)
 *   log q(y) = log q_slow(s) + log N(u; μ, e^{2σ}) − Σ log scale_fast                     (exact)
 *
 * With `fastLayers` K > 0, u is further mapped by K affine couplings over the fast block whose
 * conditioners also see φ(s) (zero-initialised), and log q(y) gains −Σ log|det| of them.
 *
 * φ(s) are the features the fast MLP sees: (cos, sin) of circular slow coordinates, standardised
 * values of the others. The CVs are the slow coordinates themselves (`encode`), and `decode` puts
 * the fast coordinates at their conditional mean. Columns are split and merged by products with
 * constant 0/1 matrices (columns.ts), which differentiate on every backend.
 *
 * The fast MLP's last layer starts at 0, so a fresh model is the slow flow (the identity) times
 * N(m_fast, scale²).
 *
 * With `defensive` ε > 0 the slow marginal is the mixture (1 − ε)·q_flow(s) + ε·U(s), U uniform on
 * the torsion box [−π, π)^d (defensive importance sampling). Its density stays exact. Training then
 * sees the fast block at every slow state, rare basins included, instead of only where q_flow already
 * puts mass; and the importance weights of the slow coordinates are bounded by p(s)/(ε U(s)).
 */
import * as tf from '@embedcg/core/tf';
import { createRng, Mlp, type Model, type ModelDraw, type ModelMetadata, type Rng } from '@embedcg/core';
import { CouplingLayer, alternatingMask } from './coupling.js';
import { FlowModel, LOG_2PI } from './flow-model.js';
import { concatParts, joinParts, put, selection, sliceParts, take, type Selection } from './columns.js';
import { wrapAngle } from './circular-spline.js';
import { blend } from './spline.js';
import type { SlowFastOptions } from './slow-fast-options.js';
import { resolveSlowFastLayout, type SlowFastContext } from './slow-fast-layout.js';

export type { SlowFastContext } from './slow-fast-layout.js';

const WEIGHT_SEED_SALT = 0x5f1a57f0;

export class SlowFastFlowModel implements Model {
  readonly name = 'slow-fast-flow';
  readonly dimension: number;
  readonly latentDimension: number;
  readonly exactDensity = true;
  readonly options: Readonly<SlowFastOptions>;
  /** Model-space indices of the slow coordinates, in CV order. */
  readonly slowIndices: readonly number[];
  /** Model-space indices of the fast coordinates, ascending. */
  readonly fastIndices: readonly number[];
  /** Model-space indices of all circular coordinates, ascending. */
  readonly circular: readonly number[];
  readonly outputMean: Float64Array;
  readonly outputScales: Float64Array;

  private readonly slow: FlowModel;
  private readonly fast: Mlp | undefined;
  /** Conditional affine couplings over the fast block (standardised units), context = slow features. */
  private readonly fastCouplings: CouplingLayer[];
  private readonly pickSlow: Selection;
  private readonly pickFast: Selection | undefined;
  /** Slow block (1 × d): 1 on circular, the reference and the scales. */
  private readonly slowCirc: tf.Tensor2D;
  private readonly slowMean: tf.Tensor2D;
  private readonly slowScale: tf.Tensor2D;
  /** Fast block (1 × f): reference, scales, circular mask (undefined without fast angles). */
  private readonly fastMean: tf.Tensor2D | undefined;
  private readonly fastScale: tf.Tensor2D | undefined;
  private readonly fastCirc: tf.Tensor2D | undefined;
  private readonly fastLogScaleSum: number;
  /** log ε − d log 2π: the uniform component's log weight and density; undefined without `defensive`. */
  private readonly logUniform: number | undefined;
  private readonly logFlowWeight: number;
  /** Columns of the slow block that are angles / real lines: undefined = all of them, null = none. */
  private readonly featCirc: Selection | undefined | null;
  private readonly featLine: Selection | undefined | null;
  private disposed = false;

  constructor(options: Partial<SlowFastOptions>, context: SlowFastContext) {
    const layout = resolveSlowFastLayout(options, context);
    const o = layout.options;
    const D = context.dimension;
    this.dimension = D;
    this.slowIndices = layout.slow;
    this.fastIndices = layout.fast;
    this.circular = layout.circular;
    this.outputMean = layout.outputMean;
    this.outputScales = layout.outputScales;
    this.options = Object.freeze(o);
    const { slow, isCircular: isCirc } = layout;
    const d = slow.length,
      f = D - d;
    this.latentDimension = d;

    const at = (v: ArrayLike<number>, idx: readonly number[]) => idx.map((i) => v[i]!);
    const slowCircRel = slow.map((i, k) => (isCirc[i] ? k : -1)).filter((k) => k >= 0);
    const rng = createRng((Math.floor(context.seed) ^ WEIGHT_SEED_SALT) >>> 0);
    const fused = context.fused ?? true;
    this.slow = new FlowModel(
      {
        coupling: 'spline',
        layers: o.layers,
        hidden: o.hidden,
        activation: o.activation,
        bins: o.bins,
        bound: o.bound,
        circular: slowCircRel,
        outputMean: at(this.outputMean, slow),
        outputScales: at(this.outputScales, slow),
        scope: `${o.scope}/slow`,
      },
      { dimension: d, seed: Math.floor(rng.uniform() * 2 ** 31), fused },
    );
    const C = slowCircRel.length;
    if (o.defensive > 0 && C < d) {
      const line = slow.filter((i) => !isCirc[i]);
      throw new RangeError(
        `slow-fast-flow model: option defensive needs every slow coordinate to be an angle (its uniform component lives on [−π, π)); ` +
          `slow coordinates ${JSON.stringify(line)} are not circular. Set defensive to 0, or choose torsions as the slow coordinates.`,
      );
    }
    this.logUniform = o.defensive > 0 ? Math.log(o.defensive) - d * Math.log(2 * Math.PI) : undefined;
    this.logFlowWeight = Math.log1p(-o.defensive);
    const slowLineRel = [...Array(d).keys()].filter((k) => !isCirc[slow[k]!]);
    this.featCirc = C === 0 ? null : C === d ? undefined : selection(d, slowCircRel, fused);
    this.featLine = C === d ? null : C === 0 ? undefined : selection(d, slowLineRel, fused);
    try {
      ({ mlp: this.fast, couplings: this.fastCouplings } = createFastNetworks(o, f, 2 * C + (d - C), rng, fused));
    } catch (e) {
      this.slow.dispose();
      throw e;
    }
    const row = (v: number[]) => tf.tensor2d(Float32Array.from(v), [1, v.length]);
    this.pickSlow = selection(D, slow, fused);
    this.slowCirc = row(slow.map((i) => isCirc[i]!));
    this.slowMean = row(at(this.outputMean, slow));
    this.slowScale = row(at(this.outputScales, slow));
    const fast = this.fastIndices;
    this.fastLogScaleSum = fast.reduce((s, i) => s + Math.log(this.outputScales[i]!), 0);
    if (f > 0) {
      this.pickFast = selection(D, fast, fused);
      this.fastMean = row(at(this.outputMean, fast));
      this.fastScale = row(at(this.outputScales, fast));
      if (fast.some((i) => isCirc[i])) this.fastCirc = row(fast.map((i) => isCirc[i]!));
    }
  }

  /**
   * Draw n samples (reparameterised). Random numbers from `rng`: the slow flow's draws (see
   * FlowModel.draw, for d coordinates), then n × f standard normals for the fast coordinates.
   */
  draw(n: number, rng: Rng): ModelDraw {
    this.checkLive();
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`slow-fast-flow model: draw needs a positive integer sample count, got ${n}`);
    const f = this.fastIndices.length;
    return tf.tidy(() => {
      const s = this.defensiveDraw(n, rng);
      if (!this.fast) return { y: this.merge(s.y, undefined), logQ: s.logQ, z: s.y };
      const eps = rng.fillNormal(new Float32Array(n * f)) as Float32Array;
      const base = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let q = 0;
        for (let k = 0; k < f; k++) q += eps[i * f + k]! ** 2;
        base[i] = -0.5 * q - 0.5 * f * LOG_2PI - this.fastLogScaleSum;
      }
      const { mu, logSigma, context } = this.fastParts(s.y);
      const u0 = tf.add(mu, tf.mul(tf.exp(logSigma), tf.tensor2d(eps, [n, f]))) as tf.Tensor2D;
      let logQ = tf.sub(tf.add(s.logQ, tf.tensor1d(base)), tf.sum(logSigma, 1)) as tf.Tensor1D;
      const { u, logDet } = this.fastFlow(u0, context);
      if (logDet) logQ = tf.sub(logQ, logDet);
      return { y: this.merge(s.y, this.fastOutput(u)), logQ, z: s.y };
    });
  }

  /** Exact log q(y) of given configurations (n × D); angles are read on the circle. */
  logProb(y: tf.Tensor2D): tf.Tensor1D {
    this.checkShape('logProb', y);
    return tf.tidy(() => {
      const ys = take(y, this.pickSlow);
      let lp = this.mixLogProb(this.slow.logProb(ys));
      if (!this.fast) return lp;
      const f = this.fastIndices.length;
      let du = tf.sub(take(y, this.pickFast!), this.fastMean!) as tf.Tensor2D;
      if (this.fastCirc) du = blend(this.fastCirc, wrapAngle(du), du);
      let u = tf.div(du, this.fastScale!) as tf.Tensor2D;
      const { mu, logSigma, context } = this.fastParts(this.wrapSlow(ys));
      for (let k = this.fastCouplings.length - 1; k >= 0; k--) {
        const r = this.fastCouplings[k]!.inverse(u, context);
        u = r.x;
        lp = tf.add(lp, r.logDet);
      }
      const e = tf.mul(tf.sub(u, mu), tf.exp(tf.neg(logSigma)));
      const logN = tf.sub(
        tf.mul(tf.sum(tf.square(e), 1), -0.5),
        tf.add(tf.sum(logSigma, 1), 0.5 * f * LOG_2PI + this.fastLogScaleSum),
      );
      lp = tf.add(lp, logN) as tf.Tensor1D;
      return lp;
    });
  }

  /** The CVs: the slow coordinates of y (n × d), angles wrapped to [−π, π). */
  encode(y: tf.Tensor2D): tf.Tensor2D {
    this.checkShape('encode', y);
    return tf.tidy(() => this.wrapSlow(take(y, this.pickSlow)));
  }

  /** Configurations with slow coordinates z (n × d) and the fast ones at their conditional mean. */
  decode(z: tf.Tensor2D): tf.Tensor2D {
    this.checkLive();
    if (z.rank !== 2 || z.shape[1] !== this.latentDimension)
      throw new RangeError(
        `slow-fast-flow model: decode expects an n × ${this.latentDimension} tensor, got shape [${z.shape.join(', ')}]`,
      );
    return tf.tidy(() => {
      const s = this.wrapSlow(z);
      if (!this.fast) return this.merge(s, undefined);
      const { mu, context } = this.fastParts(s);
      return this.merge(s, this.fastOutput(this.fastFlow(mu, context).u));
    });
  }

  variables(): tf.Variable[] {
    this.checkLive();
    return [
      ...this.slow.variables(),
      ...(this.fast?.variables() ?? []),
      ...this.fastCouplings.flatMap((c) => c.variables()),
    ];
  }

  /** The resolved options (slow indices, circular indices, mean and scales), enough to rebuild the model without a transform. */
  metadata(): ModelMetadata {
    const o = this.options;
    return {
      plugin: 'slow-fast-flow',
      dimension: this.dimension,
      latentDimension: this.latentDimension,
      exactDensity: true,
      options: {
        ...o,
        slow: [...this.slowIndices],
        circular: [...this.circular],
        hidden: [...o.hidden],
        fastHidden: [...o.fastHidden],
        outputMean: Array.from(this.outputMean),
        outputScales: Array.from(this.outputScales),
      },
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.slow.dispose();
    this.fast?.dispose();
    for (const c of this.fastCouplings) c.dispose();
    tf.dispose([this.pickSlow.m, this.pickSlow.t, this.slowCirc, this.slowMean, this.slowScale]);
    for (const sel of [this.pickFast, this.featCirc, this.featLine]) if (sel) tf.dispose([sel.m, sel.t]);
    tf.dispose([this.fastMean, this.fastScale, this.fastCirc].filter((t): t is tf.Tensor2D => t !== undefined));
  }

  /**
   * The slow block's draw. With `defensive`, after the flow's own random numbers: n uniforms that
   * pick the component, then n × d uniform angles (drawn whether used or not, so the stream's
   * length does not depend on the picks).
   */
  private defensiveDraw(n: number, rng: Rng): { y: tf.Tensor2D; logQ: tf.Tensor1D } {
    const s = this.slow.draw(n, rng);
    if (this.logUniform === undefined) return s;
    const d = this.latentDimension;
    const pick = new Float32Array(n);
    for (let i = 0; i < n; i++) pick[i] = rng.uniform() < this.options.defensive ? 1 : 0;
    const angles = new Float32Array(n * d);
    for (let k = 0; k < n * d; k++) angles[k] = (2 * rng.uniform() - 1) * Math.PI;
    const u = tf.tensor2d(angles, [n, d]);
    const p1 = tf.tensor1d(pick);
    const y = blend(tf.reshape(p1, [n, 1]), u, s.y);
    // q_flow at the uniform rows needs the flow's inverse; it is computed for all rows and masked.
    const logFlow = tf.add(tf.mul(p1, this.slow.logProb(u)), tf.mul(tf.sub(1, p1), s.logQ)) as tf.Tensor1D;
    return { y, logQ: this.mixLogProb(logFlow) };
  }

  /** log[(1 − ε) q_flow + ε U] from log q_flow; the identity without `defensive`. */
  private mixLogProb(logFlow: tf.Tensor1D): tf.Tensor1D {
    if (this.logUniform === undefined) return logFlow;
    const a = tf.add(logFlow, this.logFlowWeight);
    const b = tf.fill(a.shape, this.logUniform);
    return tf.logSumExp(tf.stack([a, b], 1), 1) as tf.Tensor1D;
  }

  /** Features of the slow coordinates for the fast MLP: (cos, sin) of angles, standardised values otherwise. */
  private features(s: tf.Tensor2D): tf.Tensor2D {
    const parts: tf.Tensor2D[] = [];
    if (this.featCirc !== null) {
      const c = this.featCirc ? take(s, this.featCirc) : s;
      parts.push(tf.cos(c), tf.sin(c));
    }
    if (this.featLine !== null) {
      const std = tf.div(tf.sub(s, this.slowMean), this.slowScale) as tf.Tensor2D;
      parts.push(this.featLine ? take(std, this.featLine) : std);
    }
    return concatParts(parts, this.pickSlow.fused);
  }

  private fastParts(s: tf.Tensor2D): { mu: tf.Tensor2D; logSigma: tf.Tensor2D; context: tf.Tensor2D } {
    const f = this.fastIndices.length;
    const context = this.features(s);
    const out = this.fast!.apply(context);
    const fused = this.pickSlow.fused;
    return { mu: sliceParts(out, 0, f, fused), logSigma: sliceParts(out, f, f, fused), context };
  }

  /** The fast couplings applied to u0 given the slow features, with Σ log|det| (undefined without couplings). */
  private fastFlow(u0: tf.Tensor2D, context: tf.Tensor2D): { u: tf.Tensor2D; logDet: tf.Tensor1D | undefined } {
    let u = u0;
    let logDet: tf.Tensor1D | undefined;
    for (const c of this.fastCouplings) {
      const r = c.forward(u, context);
      u = r.y;
      logDet = logDet ? (tf.add(logDet, r.logDet) as tf.Tensor1D) : r.logDet;
    }
    return { u, logDet };
  }

  /** y_fast = m + scale ⊙ u, angles wrapped. */
  private fastOutput(u: tf.Tensor2D): tf.Tensor2D {
    const y = tf.add(this.fastMean!, tf.mul(this.fastScale!, u)) as tf.Tensor2D;
    return this.fastCirc ? blend(this.fastCirc, wrapAngle(y), y) : y;
  }

  private wrapSlow(s: tf.Tensor2D): tf.Tensor2D {
    return blend(this.slowCirc, wrapAngle(s), s);
  }

  private merge(slow: tf.Tensor2D, fast: tf.Tensor2D | undefined): tf.Tensor2D {
    return fast
      ? joinParts([
          [slow, this.pickSlow],
          [fast, this.pickFast!],
        ])
      : put(slow, this.pickSlow);
  }

  private checkLive(): void {
    if (this.disposed) throw new Error('slow-fast-flow model: used after dispose()');
  }

  private checkShape(method: string, t: tf.Tensor): void {
    this.checkLive();
    if (t.rank !== 2 || t.shape[1] !== this.dimension)
      throw new RangeError(
        `slow-fast-flow model: ${method} expects an n × ${this.dimension} tensor, got shape [${t.shape.join(', ')}]`,
      );
  }
}

type FastNetworks = { mlp: Mlp | undefined; couplings: CouplingLayer[] };

/**
 * The fast block's networks, initialised from `rng` in this order: the MLP of μ and log σ, then the
 * `fastLayers` conditional couplings, their last layers zero so that a fresh model is the
 * conditional Gaussian alone. None without fast coordinates (f = 0).
 */
function createFastNetworks(o: SlowFastOptions, f: number, cDim: number, rng: Rng, fused: boolean): FastNetworks {
  const couplings: CouplingLayer[] = [];
  if (f === 0) return { mlp: undefined, couplings };
  const mlp = new Mlp(`${o.scope}/fast/net`, rng, cDim, o.fastHidden, 2 * f, o.activation, 0, { fused });
  try {
    for (let k = 0; k < o.fastLayers; k++) {
      couplings.push(
        new CouplingLayer(
          {
            name: `${o.scope}/fast/coupling${k}`,
            dimension: f,
            transformed: alternatingMask(f, k),
            type: 'affine',
            hidden: o.fastHidden,
            activation: o.activation,
            finalLayerScale: 0,
            scaleBound: 2,
            spline: { bins: o.bins, bound: o.bound, minBin: 1e-3, minDerivative: 1e-3, fused },
            contextDimension: cDim,
          },
          rng,
        ),
      );
    }
  } catch (e) {
    mlp.dispose();
    for (const c of couplings) c.dispose();
    throw e;
  }
  return { mlp, couplings };
}
