/**
 * The VAE-style coarse-grained model of Schöberl, Zabaras & Koutsourelakis ("Embedded-physics
 * machine learning for coarse-graining and collective variable discovery without data").
 *
 *   z ~ p(z),   y = m + s · u,   u | z ~ q_θ(u | z)                          (prior, decoder)
 *   r_φ(z | y) = N(μ_φ(u), diag σ²_φ(u)),   u = (y − m) / s                 (encoder)
 *   ℓ = log p(z) + log q_θ(y|z) − log r_φ(z|y)                             (per-sample bound)
 *
 * The model composes its parts (vae-parts.ts): the output space y = m + s·u (output-space.ts), the
 * decoder network giving μ_θ(z) and σ²_θ(z) (decoder-network.ts), a decoder density built on them
 * (decoder-density.ts: Gaussian, rotor or flow), the encoder (encoder.ts) and the prior
 * (latent-prior.ts: standard normal, or the mixture of prior-mixture.ts);
 * log q_θ(y|z) = log q_θ(u|z) − Σ_i log s_i.
 */
import * as tf from '@embedcg/core/tf';
import type { Model, ModelDraw, ModelDrawOptions, ModelMetadata, Rng, TargetProbe } from '@embedcg/core';
import { ComponentAware } from './component-aware.js';
import type { StdCap } from './coordinates.js';
import type { DecoderDensity } from './decoder-density.js';
import type { ComponentRows, DecoderNetwork, DecoderStats, LatentSkipResolved } from './decoder-network.js';
import type { Encoder } from './encoder.js';
import { LOG_2PI, gaussianLogDensityRows, gaussianLogDensityTf } from './gaussian.js';
import type { LatentPrior } from './latent-prior.js';
import { vaeMetadata } from './metadata.js';
import { resolveOptions, type VaeOptions, type VaeOptionsInput } from './options.js';
import type { OutputSpace } from './output-space.js';
import type { PriorMixture } from './prior-mixture.js';
import { placeComponents } from './scan-placement.js';
import { buildParts } from './vae-parts.js';

/** What the programmatic factory needs besides the options. */
export interface VaeContext {
  /** Dimension D of y. */
  dimension: number;
  /** Seed of the weight initialisation. */
  seed: number;
  /** Reference configuration (length D); overridden by `options.outputMean` when both are given. */
  outputMean?: ArrayLike<number>;
  /** Per-dimension output scales (length D); `options.outputScales` and `options.scaleByKind` win. */
  outputScales?: ArrayLike<number>;
  /** Names of the D coordinates ("bond …", "angle …", "torsion …"), for `options.scaleByKind`. */
  coordinateNames?: readonly string[];
  /** Name of the run's transform, for error messages only. */
  transformName?: string;
  /** Circular flags of the D coordinates (1: an angle), for `circular: 'auto'`. */
  circular?: ArrayLike<number>;
  /** Activations as SIMD kernels (default true); false runs the tfjs ops (`training.fusedKernels`). */
  fused?: boolean;
}

/** The VAE model; build it with {@link createVaeModel} or through the `vae` plugin. */
export class VaeModel implements Model {
  readonly name = 'vae';
  readonly dimension: number;
  readonly latentDimension: number;
  readonly exactDensity = false;
  readonly options: Readonly<VaeOptions>;
  /** Reference configuration m (Float64), or undefined for m = 0. */
  readonly outputMean: Float64Array | undefined;
  /** Resolved per-dimension output scales s (length D): all `outputScale` unless given per dimension. */
  readonly outputScales: Float64Array;
  /** Model-space indices of the circular coordinates (sorted); empty: no wrapping anywhere. */
  readonly circular: readonly number[];
  /** Model-space indices of the three-fold rotor torsions (sorted); empty: no rotor density. */
  readonly rotors: readonly number[];
  /** Option `decoderStdMax` resolved: the capped model-space indices (sorted) and the cap (model units). */
  readonly decoderStdCap: { readonly indices: readonly number[]; readonly max: number } | undefined;
  /** Option `latentSkip` resolved: the driven model-space indices (sorted) and the initial slope. */
  readonly latentSkip: LatentSkipResolved | undefined;
  /** The learnable mixture prior over z (option `priorMixture`); undefined: z ~ N(0, I). */
  readonly priorMixture: PriorMixture | undefined;
  private readonly space: OutputSpace;
  private readonly decoder: DecoderNetwork;
  private readonly density: DecoderDensity;
  private readonly encoder: Encoder;
  private readonly prior: LatentPrior;
  /** With a component-aware decoder (`priorMixture.componentDecoder`). */
  private readonly components: ComponentAware | undefined;
  private readonly allVariables: tf.Variable[];
  private disposed = false;
  /** `training.fusedKernels`: small per-row terms as ops with hand-written gradients. */
  private readonly fused: boolean;

  constructor(options: VaeOptionsInput, context: VaeContext) {
    const o = resolveOptions(options, context.dimension);
    this.options = Object.freeze(o);
    this.dimension = context.dimension;
    this.latentDimension = o.latentDim;
    this.fused = context.fused ?? true;
    const parts = buildParts(o, context);
    ({ space: this.space, decoder: this.decoder, density: this.density, encoder: this.encoder } = parts);
    ({ prior: this.prior, mixture: this.priorMixture, rotors: this.rotors, skip: this.latentSkip } = parts);
    this.allVariables = parts.variables;
    this.outputMean = this.space.mean;
    this.outputScales = this.space.scales;
    this.circular = this.space.circular;
    this.decoderStdCap = publicCap(parts.cap);
    if (this.priorMixture?.decoderBias)
      this.components = new ComponentAware(this.priorMixture, (u, z, k) => this.decoderLogDensityStandard(u, z, k));
  }

  /**
   * Draw n samples. From `rng`, in this order: n × d standard normals for z, then n × D for ε,
   * then (with rotors) n × R integers for the rotor shifts k ∈ {−1, 0, 1}, then (with `priorMixture`)
   * n uniforms for the components; z = a_k + b_k·ζ from the first n × d normals ζ.
   * Differentiable in `variables()` (reparameterised), so it can run inside `tf.variableGrads`.
   * The decoder density turns the Gaussian sample v = μ + σε into u and its log q (decoder-density.ts).
   */
  draw(n: number, rng: Rng, options?: ModelDrawOptions): ModelDraw {
    this.checkLive();
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`vae model: draw needs a positive integer sample count, got ${n}`);
    const D = this.dimension;
    const d = this.latentDimension;
    const zValues = rng.fillNormal(new Float32Array(n * d)) as Float32Array;
    const epsValues = rng.fillNormal(new Float32Array(n * D)) as Float32Array;
    const extra = this.density.drawExtra(n, rng);
    const choice = this.prior.choose(n, rng, options?.training === true);
    const constant = this.drawConstant(zValues, epsValues, n);
    return tf.tidy(() => {
      const z = this.prior.latent(tf.tensor2d(zValues, [n, d]), choice);
      const eps = tf.tensor2d(epsValues, [n, D]);
      const component = this.prior.decoderComponent(choice);
      const dec = this.decoder.stats(z, this.componentRows(component, choice?.labels));
      const v = tf.add(dec.mean, tf.mul(tf.exp(tf.mul(dec.logVariance, 0.5)), eps)) as tf.Tensor2D;
      const { u, adjust } = this.density.push(v, z, eps, dec, extra);
      const y = this.space.fromStandard(u);
      const sumLogVariance =
        this.options.decoderVariance === 'shared' ? tf.sum(dec.logVariance) : tf.sum(dec.logVariance, 1);
      const enc = this.encoder.apply(this.space.wrap(u));
      const logR = gaussianLogDensityRows(z, enc.mean, enc.logVariance, this.fused);
      let logQ = tf.sub(tf.sub(tf.tensor1d(constant), tf.mul(sumLogVariance, 0.5)), logR) as tf.Tensor1D;
      if (adjust) logQ = adjust(logQ);
      return { ...this.prior.finishDraw({ y, logQ, z }, choice, enc.hidden, component) };
    });
  }

  /**
   * The parameter-free parts of a draw's ℓ, summed in Float64: the prior's and the decoder's
   * −½|ε|² (because u = μ + σε, (u − μ)/σ is exactly ε, so log N(u; μ, σ²) = −½|ε|² − ½Σ log σ²
   * − (D/2) log 2π as a function of the parameters too: same values and gradients, less float32
   * rounding). Coordinates whose density has its own term (rotors) are left to it.
   */
  private drawConstant(zValues: Float32Array, epsValues: Float32Array, n: number): Float32Array {
    const D = this.dimension;
    const d = this.latentDimension;
    const own = this.density.ownTerms;
    const constant = new Float32Array(n);
    const perSampleConst = -0.5 * (D * LOG_2PI) - this.space.logScaleSum;
    for (let i = 0; i < n; i++) {
      let ee = 0;
      for (let k = 0; k < D; k++) if (!own[k]) ee += epsValues[i * D + k]! ** 2;
      constant[i] = this.prior.fixedLogDensity(zValues, i, d) - 0.5 * ee + perSampleConst;
    }
    return constant;
  }

  /**
   * Evidence bound on log q(y) for given configurations (n × D): one reparameterised z ~ r(z|y) per
   * row, its n × d standard normals taken from `rng`. Differentiable in decoder and encoder, so the
   * trainer's forward-KL term fits the decoder to reweighted samples and tightens the encoder.
   */
  logProbBound(y: tf.Tensor2D, rng: Rng): tf.Tensor1D {
    this.checkLive();
    this.checkShape('logProbBound', y, this.dimension, 'dimension');
    const n = y.shape[0];
    const d = this.latentDimension;
    const eps = rng.fillNormal(new Float32Array(n * d)) as Float32Array;
    // log r(z|y) at z = μ + σε is −½|ε|² − ½Σ log σ² − (d/2) log 2π, exactly, as in draw().
    const constant = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let ee = 0;
      for (let k = 0; k < d; k++) ee += eps[i * d + k]! ** 2;
      constant[i] = 0.5 * ee - this.space.logScaleSum;
    }
    return tf.tidy(() => {
      const u = this.space.toStandard(y);
      const enc = this.encoder.apply(u);
      const z = tf.add(enc.mean, tf.mul(tf.exp(tf.mul(enc.logVariance, 0.5)), tf.tensor2d(eps, [n, d]))) as tf.Tensor2D;
      const minusLogR = tf.add(tf.mul(tf.sum(enc.logVariance, 1), 0.5), 0.5 * d * LOG_2PI);
      const rest = tf.add(minusLogR, tf.tensor1d(constant));
      if (this.components) return tf.add(this.components.summedBound(u, z, enc.hidden), rest) as tf.Tensor1D;
      const logP = this.prior.logDensity(z);
      const logQ = this.decoderLogDensityStandard(u, z);
      return tf.add(tf.add(logP, logQ), rest) as tf.Tensor1D;
    });
  }

  /**
   * The decoder density log q_θ(y|z) per row, for configurations y (n × D) and latent values
   * z (n × d): log q_θ(u|z) − Σ_i log s_i, u = (y − m)/s elementwise; with a component-aware
   * decoder q(y|z) = Σ_k p(k|z) q(y|z, k).
   */
  decoderLogDensity(y: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
    this.checkLive();
    this.checkShape('decoderLogDensity', y, this.dimension, 'dimension');
    this.checkShape('decoderLogDensity', z, this.latentDimension, 'latent dimension');
    if (z.shape[0] !== y.shape[0])
      throw new RangeError(
        `vae model: decoderLogDensity needs as many rows of z as of y, got ${z.shape[0]} and ${y.shape[0]}`,
      );
    return tf.tidy(() =>
      tf.sub(this.marginalLogDensity(this.space.toStandard(y), z), this.space.logScaleSum),
    ) as tf.Tensor1D;
  }

  /**
   * log q̂(y) = log (1/K) Σ_k p(z_k) q(y|z_k) / r(z_k|y) with z_k ~ r(z|y): the log of an unbiased
   * estimate of q(y), the importance-weighted bound (a mixture's component is summed out exactly).
   * Given `z`, the latent each row of y was drawn from is the first of the K. Then
   * w = exp(−βU) / q̂(y) is an exact importance weight on the space of (y, z_1..K) (the z_k are
   * exchangeable, so the drawn one may sit at any index), and as K grows its spread falls toward
   * that of exp(−βU)/q(y): the encoder's mismatch with the true posterior stops costing ESS, at
   * no extra energy evaluation.
   */
  logProbEstimate(y: tf.Tensor2D, rng: Rng, samples: number, z?: tf.Tensor2D): tf.Tensor1D {
    this.checkLive();
    this.checkShape('logProbEstimate', y, this.dimension, 'dimension');
    if (!Number.isInteger(samples) || samples < 1)
      throw new RangeError(`vae model: logProbEstimate needs a whole number of latent samples ≥ 1, got ${samples}`);
    const n = y.shape[0];
    const d = this.latentDimension;
    if (z) {
      this.checkShape('logProbEstimate', z, d, 'latent dimension');
      if (z.shape[0] !== n)
        throw new RangeError(`vae model: logProbEstimate needs as many rows of z as of y, got ${z.shape[0]} and ${n}`);
    }
    return tf.tidy(() => {
      const u = this.space.toStandard(y);
      const enc = this.encoder.apply(u);
      const std = tf.exp(tf.mul(enc.logVariance, 0.5));
      const columns: tf.Tensor2D[] = [];
      for (let k = 0; k < samples; k++) {
        // A tidy per sample: the decoder's intermediates of one z are freed before the next, so
        // memory stays that of one pass whatever K is.
        columns.push(
          tf.tidy(() => {
            const noise = () => tf.tensor2d(rng.fillNormal(new Float32Array(n * d)) as Float32Array, [n, d]);
            const zk = k === 0 && z ? z : (tf.add(enc.mean, tf.mul(std, noise())) as tf.Tensor2D);
            const logJoint = tf.add(this.prior.logDensity(zk), this.marginalLogDensity(u, zk));
            return tf.sub(logJoint, gaussianLogDensityTf(zk, enc.mean, enc.logVariance)).reshape([n, 1]) as tf.Tensor2D;
          }),
        );
      }
      return tf.sub(tf.logSumExp(tf.concat(columns, 1), 1), Math.log(samples) + this.space.logScaleSum) as tf.Tensor1D;
    });
  }

  /** CVs of configurations: the encoder means μ_φ(y), n × d. */
  encode(y: tf.Tensor2D): tf.Tensor2D {
    this.checkLive();
    this.checkShape('encode', y, this.dimension, 'dimension');
    return tf.tidy(() => this.encoder.apply(this.space.toStandard(y)).mean);
  }

  /**
   * Representative configurations for latent values z (n × d), n × D: the decoder's sample at
   * ε = 0. For the Gaussian decoder that is the mean μ_θ(z). With a flow decoder it is f(μ_θ(z); z),
   * the Gaussian's centre pushed through the flow: a "mode-ish" representative of q(y|z), no
   * longer its mean (the flow can shift and bend the distribution around it).
   */
  decode(z: tf.Tensor2D): tf.Tensor2D {
    this.checkLive();
    this.checkShape('decode', z, this.latentDimension, 'latent dimension');
    return tf.tidy(() => {
      const mean = this.statsAt(z, this.components?.likeliest(z)).mean;
      return this.space.fromStandard(this.density.represent(mean, z));
    });
  }

  /** With `priorMixture.scan`, starts each component at a different basin bottom (scan-placement.ts); otherwise a no-op. */
  async initialize(probe: TargetProbe): Promise<string | undefined> {
    this.checkLive();
    const mixture = this.priorMixture;
    const scan = mixture?.options.scan;
    if (!mixture || !scan) return undefined;
    // Compared over the coordinates the CVs drive (latentSkip): the slow ones. Elsewhere the
    // untrained decoder's small random differences would outweigh the basins'.
    const columns = this.latentSkip
      ? [...this.latentSkip.indices]
      : Array.from({ length: this.dimension }, (_, j) => j);
    const periods = columns.map((c) => (this.circular.includes(c) ? (2 * Math.PI) / this.outputScales[c]! : 0));
    return placeComponents(
      {
        mixture,
        scan,
        latentDimension: this.latentDimension,
        dimension: this.dimension,
        decode: (z, labels) =>
          this.density.represent(this.statsAt(z, mixture.decoderBias ? mixture.oneHot(labels) : undefined).mean, z),
        fromStandard: (u) => this.space.fromStandard(u),
        columns,
        periods,
      },
      probe,
    );
  }

  /**
   * Encoder log-variances log σ²_φ(y) (n × d) for configurations y: how sharply the recognition
   * model pins the CVs down.
   */
  encodeLogVariance(y: tf.Tensor2D): tf.Tensor2D {
    this.checkLive();
    this.checkShape('encodeLogVariance', y, this.dimension, 'dimension');
    return tf.tidy(() => this.encoder.apply(this.space.toStandard(y)).logVariance);
  }

  /**
   * Decoder log-variances of y (not of the standardised u) for latent values z, n × D. With a flow
   * decoder these are the Gaussian stage's (of v, before the flow), not the variances of q(y|z).
   */
  decodeLogVariance(z: tf.Tensor2D): tf.Tensor2D {
    this.checkLive();
    this.checkShape('decodeLogVariance', z, this.latentDimension, 'latent dimension');
    return tf.tidy(() =>
      this.space.logVarianceOfY(this.statsAt(z, this.components?.likeliest(z)).logVariance, z.shape[0]),
    );
  }

  /**
   * All trainable variables, in a stable order, with names `<scope>/{decoder,encoder}/<layer>/<kernel|bias>`;
   * a flow decoder's come after the networks', as `<scope>/decoder/flow<k>/{dense<i>,out}/<kernel|bias>`,
   * and a mixture prior's last.
   */
  variables(): tf.Variable[] {
    this.checkLive();
    return [...this.allVariables];
  }

  metadata(): ModelMetadata {
    return vaeMetadata(this, this.decoder.skipOnly);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const part of [this.prior, this.density, this.encoder, this.decoder, this.space]) part.dispose();
  }

  /** Decoder statistics at z, with the component rows of `component` (n × K one-hot) when given. */
  private statsAt(z: tf.Tensor2D, component?: tf.Tensor2D): DecoderStats {
    return this.decoder.stats(z, this.componentRows(component));
  }

  /** `labels`: the one-hot rows' components, for the fused path's row gather (prior-mixture.ts `fused`). */
  private componentRows(component: tf.Tensor2D | undefined, labels?: Int32Array): ComponentRows | undefined {
    const m = this.priorMixture;
    if (!component || !m) return undefined;
    const rows = { oneHot: component, bias: m.decoderBias!, offset: m.decoderOffset! };
    return m.rowOps && labels ? { ...rows, labels } : rows;
  }

  /** log q_θ(u|z) in standardised units (no −Σ log s), of component `component` when given. */
  private decoderLogDensityStandard(u: tf.Tensor2D, z: tf.Tensor2D, component?: tf.Tensor2D): tf.Tensor1D {
    return this.density.logDensity(u, z, this.statsAt(z, component));
  }

  /** log q(u|z) of standardised u; with a component-aware decoder, q(u|z) = Σ_k p(k|z) q(u|z, k). */
  private marginalLogDensity(u: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
    return this.components ? this.components.marginal(u, z) : this.decoderLogDensityStandard(u, z);
  }

  private checkLive(): void {
    if (this.disposed) throw new Error('vae model: used after dispose()');
  }

  private checkShape(method: string, t: tf.Tensor, width: number, what: string): void {
    if (t.rank !== 2 || t.shape[1] !== width) {
      throw new RangeError(
        `vae model: ${method} expects an n × ${width} tensor (${what}), got shape [${t.shape.join(', ')}]`,
      );
    }
  }
}

function publicCap(cap: StdCap | undefined): VaeModel['decoderStdCap'] {
  return cap && Object.freeze({ indices: Object.freeze(cap.indices), max: cap.max });
}

/** Build a VAE model from options (defaults filled) and a dimension/seed. */
export function createVaeModel(options: VaeOptionsInput, context: VaeContext): VaeModel {
  return new VaeModel(options, context);
}
