/**
 * The VAE-style coarse-grained model of Schöberl, Zabaras & Koutsourelakis (science.md §3).
 *
 *   z ~ N(0, I_d),   y = m + s · u,   u | z ~ N(μ_θ(z), diag σ²_θ(z))       (decoder)
 *   r_φ(z | y) = N(μ_φ(u), diag σ²_φ(u)),   u = (y − m) / s                 (encoder)
 *   ℓ = log p(z) + log q_θ(y|z) − log r_φ(z|y)                             (per-sample bound)
 *
 * m (`outputMean`) and s (`outputScale`, or per dimension `outputScales` / `scaleByKind`: a vector
 * s_i, elementwise) put the networks in standardised units around a reference structure;
 * log q_θ(y|z) = log N(u; μ_θ, σ²_θ) − Σ_i log s_i (= D log s for one scalar s).
 *
 * With the `decoderFlow` option the decoder is a conditional flow (flow-decoder.ts):
 *
 *   v = μ_θ(z) + σ_θ(z) · ε,   u = f(v; z),   log q_θ(u|z) = log N(v; μ_θ, σ²_θ) − log|det ∂f/∂v|
 *
 * and everything downstream of u (y, the encoder, the CVs) is unchanged.
 *
 * Circular coordinates (torsions, option `circular`): the encoder and the densities of given y see
 * y − m wrapped into [−π, π) before scaling; draws are not wrapped.
 *
 * Rotor torsions (option `rotorSymmetry`, rotor-symmetry.ts): their decoder density is the
 * three-fold symmetric mixture (1/3) Σ_m N(μ + 2πm/3, σ²) on the circle, drawn as the Gaussian plus
 * a uniform shift k·2π/3, k ∈ {−1, 0, 1}; with `rotorEncoder: 'hidden'` the encoder sees zeros there.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, modelVector } from '@embedcg/core';
import { backboneTorsions, requireCoordinateNames } from '@embedcg/core/molecules';
import type { Model, ModelDraw, ModelDrawOptions, ModelMetadata, Rng, TargetProbe } from '@embedcg/core';
import { chooseScanCandidates } from './component-scan.js';
import { activationFn } from './activations.js';
import { applyDense, createDense, createVariable, type Dense } from './dense.js';
import { ConditionalSplineFlow } from './flow-decoder.js';
import { LOG_2PI, gaussianLogDensityTf } from './gaussian.js';
import {
  LOG_VARIANCE_RANGE,
  logVarianceCaps,
  softClampLogVariance,
  unclampCapped,
  unclampLogVariance,
  type LogVarianceCaps,
} from './log-variance.js';
import { resolveOptions, scalesByKind, type VaeOptions, type VaeOptionsInput } from './options.js';
import { PriorMixture } from './prior-mixture.js';
import { ROTOR_FOLD, resolveRotors, rotorImageCount, rotorLogMixture } from './rotor-symmetry.js';

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
}

/** Decoder statistics in standardised units. */
interface DecoderOut {
  mean: tf.Tensor2D;
  /** Clamped log-variance, 1 × D ('shared') or n × D ('head'). */
  logVariance: tf.Tensor2D;
}

// The trainer typically seeds its sampling Rng with the run seed too; a derived seed keeps the
// initial weights from being the same random stream as the first batch's noise.
const WEIGHT_SEED_SALT = 0x5ae1c0de;

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
  /** Model-space indices of the three-fold rotor torsions (sorted); empty: a Gaussian decoder everywhere. */
  readonly rotors: readonly number[];
  /** Σ_i log s_i, the log-det of y = m + s·u (D log s when the scales are uniform, as before). */
  private readonly logScaleSum: number;
  /** The common scale when all s_i are equal (scalar arithmetic, as before per-dimension scales existed). */
  private readonly uniformScale: number | undefined;

  private readonly decoderHidden: Dense[];
  private readonly decoderMean: Dense;
  private readonly decoderLogVariance: tf.Variable | Dense;
  private readonly encoderHidden: Dense[];
  private readonly encoderMean: Dense;
  private readonly encoderLogVariance: Dense;
  /** The flow decoder's conditional flow, when `decoderFlow` is set. */
  private readonly decoderFlow: ConditionalSplineFlow | undefined;
  private readonly meanTensor: tf.Tensor2D | undefined;
  /** 1 × D row s, for non-uniform scales or circular coordinates; 1/s only for non-uniform scales. */
  private readonly scaleTensor: tf.Tensor2D | undefined;
  private readonly invScaleTensor: tf.Tensor2D | undefined;
  /** For circular coordinates: 1 × D row 2π/s (0 where not circular). */
  private readonly wrapPeriod: tf.Tensor2D | undefined;
  /** With rotors: the 1 × R shift periods 2π/(3 s_i), the 1 × D mask that is 0 at them, and the sum's image count. */
  private readonly rotor:
    { period: tf.Tensor2D; gaussianMask: tf.Tensor2D; images: number; shifts: Float64Array } | undefined;
  /** Option `decoderStdMax` resolved: the capped model-space indices (sorted) and the cap (model units); undefined without caps. */
  readonly decoderStdCap: { readonly indices: readonly number[]; readonly max: number } | undefined;
  /** Option `latentSkip` resolved: the driven model-space indices (sorted) and the initial slope. */
  readonly latentSkip: { readonly indices: readonly number[]; readonly slope: number } | undefined;
  /** d × D kernel of the linear path z → μ (with `latentSkip`). */
  private readonly decoderSkip: tf.Variable | undefined;
  /** 1 × D row, 0 at the skip coordinates and 1 elsewhere (with `latentSkipOnly`). */
  private readonly mlpMask: tf.Tensor2D | undefined;
  /** With `latentSkipMlpRange` r: 1 × D row, r in standardised units at the skip coordinates, 1 elsewhere. */
  private readonly mlpRange: tf.Tensor2D | undefined;
  /** D × d kernel of the linear path u → encoder mean (with `encoderSkip`). */
  private readonly encoderSkip: tf.Variable | undefined;
  /** The learnable mixture prior over z (option `priorMixture`); undefined: z ~ N(0, I). */
  readonly priorMixture: PriorMixture | undefined;
  /** Per-column clamp of the decoder log-variance when some are capped. */
  private readonly decoderCaps: LogVarianceCaps | undefined;
  /**
   * With `encoderAngles: 'trig'`: 1 × D masks of the coordinates the encoder sees as they are
   * (`keep`) and as cos y (`cos`), and the D × C one-hot that picks the C columns it sees as sin y.
   */
  private readonly trig: { keep: tf.Tensor2D; cos: tf.Tensor2D; sinSelect: tf.Tensor2D } | undefined;
  /** 1 × D mask of what the encoder sees (0 at hidden rotors). */
  private readonly encoderMask: tf.Tensor2D | undefined;
  private readonly allVariables: tf.Variable[] = [];
  private disposed = false;

  constructor(options: VaeOptionsInput, context: VaeContext) {
    const o = resolveOptions(options, context.dimension);
    const D = context.dimension;
    const d = o.latentDim;
    this.options = Object.freeze(o);
    this.dimension = D;
    this.latentDimension = d;
    const mean = o.outputMean ?? context.outputMean;
    if (mean !== undefined) this.outputMean = modelVector(mean, D, 'vae model: outputMean');
    if (!Number.isFinite(context.seed))
      throw new RangeError(`vae model: seed must be a finite number, got ${context.seed}`);
    this.outputScales = resolveScales(o, context);
    const first = this.outputScales[0]!;
    this.uniformScale = this.outputScales.every((v) => v === first) ? first : undefined;
    this.circular = Object.freeze(resolveCircular(o.circular, context.circular, D));
    this.rotors = Object.freeze(resolveRotors(o.rotorSymmetry, context.coordinateNames, D, context.transformName));
    const cap = resolveStdMax(o.decoderStdMax, context.coordinateNames, this.outputScales, context.transformName);
    this.decoderStdCap = cap && Object.freeze({ indices: Object.freeze(cap.indices), max: cap.max });
    const skip = o.latentSkip && {
      indices: resolveCoordinates(
        'latentSkip',
        o.latentSkip.coordinates,
        context.coordinateNames,
        D,
        context.transformName,
      ),
      slope: o.latentSkip.slope,
    };
    this.latentSkip = skip && Object.freeze({ indices: Object.freeze(skip.indices), slope: skip.slope });
    this.logScaleSum =
      this.uniformScale !== undefined
        ? D * Math.log(this.uniformScale)
        : this.outputScales.reduce((a, v) => a + Math.log(v), 0);

    // Circular coordinates the 'trig' encoder sees as (cos, sin): all but hidden rotors.
    const angles =
      o.encoderAngles === 'trig'
        ? this.circular.filter((c) => !(o.rotorEncoder === 'hidden' && this.rotors.includes(c)))
        : [];
    // Creation order fixes which random numbers each weight gets: keep it stable.
    const rng = createRng((Math.floor(context.seed) ^ WEIGHT_SEED_SALT) >>> 0);
    const scope = o.scope;
    const created: tf.Variable[] = [];
    const track = (layer: Dense): Dense => {
      created.push(layer.kernel, layer.bias);
      return layer;
    };
    try {
      let fanIn = d;
      this.decoderHidden = o.decoderHidden.map((w, i) => {
        const layer = track(createDense(`${scope}/decoder/dense${i}`, rng, fanIn, w));
        fanIn = w;
        return layer;
      });
      // A small last layer keeps the first samples near the reference structure.
      this.decoderMean = track(createDense(`${scope}/decoder/mean`, rng, fanIn, D, { scale: o.finalLayerScale }));
      // A capped coordinate starts below its cap (on the tanh's steep part), the others at the option.
      const rawLogVariance: number | Float32Array = cap
        ? Float32Array.from(cap.upper, (hi) => unclampCapped(Math.min(o.initialLogVariance, hi - 0.5), hi))
        : unclampLogVariance(o.initialLogVariance);
      if (o.decoderVariance === 'shared') {
        const v = createVariable(
          `${scope}/decoder/logvar`,
          typeof rawLogVariance === 'number' ? tf.fill([D], rawLogVariance) : tf.tensor1d(rawLogVariance),
        );
        created.push(v);
        this.decoderLogVariance = v;
      } else {
        this.decoderLogVariance = track(
          createDense(`${scope}/decoder/logvar`, rng, fanIn, D, { scale: o.finalLayerScale, bias: rawLogVariance }),
        );
      }
      fanIn = D + angles.length;
      this.encoderHidden = o.encoderHidden.map((w, i) => {
        const layer = track(createDense(`${scope}/encoder/dense${i}`, rng, fanIn, w));
        fanIn = w;
        return layer;
      });
      this.encoderMean = track(createDense(`${scope}/encoder/mean`, rng, fanIn, d));
      this.encoderLogVariance = track(createDense(`${scope}/encoder/logvar`, rng, fanIn, d));
      if (skip) {
        // Deterministic (no random numbers), so the other weights are those of the same seed without it.
        const w = new Float32Array(d * D);
        skip.indices.forEach((c, k) => {
          w[(k % d) * D + c] = skip.slope / this.outputScales[c]!;
        });
        this.decoderSkip = createVariable(`${scope}/decoder/skip`, tf.tensor2d(w, [d, D]));
        created.push(this.decoderSkip);
        if (o.latentSkipOnly) {
          const mask = new Float32Array(D).fill(1);
          for (const c of skip.indices) mask[c] = 0;
          this.mlpMask = tf.tensor2d(mask, [1, D]);
          if (o.latentSkipMlpRange > 0) {
            const range = new Float32Array(D).fill(1);
            for (const c of skip.indices) range[c] = o.latentSkipMlpRange / this.outputScales[c]!;
            this.mlpRange = tf.tensor2d(range, [1, D]);
          }
        }
        if (o.encoderSkip) {
          const hidden = o.rotorEncoder === 'hidden' ? skip.indices.filter((c) => this.rotors.includes(c)) : [];
          if (hidden.length > 0)
            throw new RangeError(
              `vae model: option encoderSkip would show the encoder the hidden rotor ${hidden[0]}; drop it from latentSkip.coordinates or set rotorEncoder 'raw'`,
            );
          // The decoder path's inverse: u_c = (slope/s_c)·z_k for each of latent k's n_k coordinates.
          const count = new Array<number>(d).fill(0);
          skip.indices.forEach((_, k) => {
            count[k % d]!++;
          });
          const e = new Float32Array(D * d);
          skip.indices.forEach((c, k) => {
            e[c * d + (k % d)] = this.outputScales[c]! / (skip.slope * count[k % d]!);
          });
          this.encoderSkip = createVariable(`${scope}/encoder/skip`, tf.tensor2d(e, [D, d]));
          created.push(this.encoderSkip);
        }
      }
      // Created last, so the Gaussian decoder and the encoder get the same initial weights with
      // and without a flow decoder (and the zero-initialised flow is the identity).
      if (o.decoderFlow) {
        this.decoderFlow = new ConditionalSplineFlow(`${scope}/decoder`, rng, D, d, o.decoderFlow);
        created.push(...this.decoderFlow.variables());
      }
      // After everything else and from its own stream: the networks keep their initial weights.
      if (o.priorMixture) {
        const widths = {
          decoderFirst: o.decoderHidden[0] ?? D,
          encoderLast: o.encoderHidden.at(-1) ?? D + angles.length,
          output: D,
        };
        this.priorMixture = new PriorMixture(scope, context.seed, d, o.priorMixture, widths);
        created.push(...this.priorMixture.variables());
      }
    } catch (e) {
      for (const v of created) v.dispose();
      throw e;
    }
    this.allVariables = created;
    this.decoderCaps = cap && logVarianceCaps(cap.upper);
    this.meanTensor = this.outputMean ? tf.tensor2d(Float32Array.from(this.outputMean), [1, D]) : undefined;
    if (this.uniformScale === undefined || this.circular.length > 0)
      this.scaleTensor = tf.tensor2d(Float32Array.from(this.outputScales), [1, D]);
    if (this.uniformScale === undefined)
      this.invScaleTensor = tf.tensor2d(
        Float32Array.from(this.outputScales, (v) => 1 / v),
        [1, D],
      );
    if (this.circular.length > 0) {
      const period = new Float32Array(D);
      for (const i of this.circular) period[i] = (2 * Math.PI) / this.outputScales[i]!;
      this.wrapPeriod = tf.tensor2d(period, [1, D]);
    }
    if (this.rotors.length > 0) {
      const R = this.rotors.length;
      const scales = this.rotors.map((i) => this.outputScales[i]!);
      const shifts = Float64Array.from(scales, (v) => (2 * Math.PI) / (ROTOR_FOLD * v));
      const mask = new Float32Array(D).fill(1);
      for (const i of this.rotors) mask[i] = 0;
      this.rotor = {
        period: tf.tensor2d(Float32Array.from(shifts), [1, R]),
        gaussianMask: tf.tensor2d(mask, [1, D]),
        images: rotorImageCount(scales),
        shifts,
      };
      if (o.rotorEncoder === 'hidden') this.encoderMask = tf.tensor2d(mask, [1, D]);
    }
    if (angles.length > 0) {
      const keep = new Float32Array(D).fill(1);
      const cos = new Float32Array(D);
      const select = new Float32Array(D * angles.length);
      angles.forEach((c, j) => {
        keep[c] = 0;
        cos[c] = 1;
        select[c * angles.length + j] = 1;
      });
      // Hidden rotors stay zero in both parts.
      if (o.rotorEncoder === 'hidden') for (const r of this.rotors) keep[r] = 0;
      this.trig = {
        keep: tf.tensor2d(keep, [1, D]),
        cos: tf.tensor2d(cos, [1, D]),
        sinSelect: tf.tensor2d(select, [D, angles.length]),
      };
    }
  }

  /**
   * Draw n samples. From `rng`, in this order: n × d standard normals for z, then n × D for ε,
   * then (with rotors) n × R integers for the rotor shifts k ∈ {−1, 0, 1}, then (with `priorMixture`)
   * n uniforms for the components; z = a_k + b_k·ζ from the first n × d normals ζ.
   * Differentiable in `variables()` (reparameterised), so it can run inside `tf.variableGrads`.
   * With a flow decoder, u = f(μ + σε; z) and log q(u|z) gains −log|det ∂f|; still one pass.
   * A rotor's u is μ + σε + k·2π/(3s) and its log q(u|z) the three-fold mixture's, whose value does
   * not depend on k (it is 2π/3-periodic); the shift is a constant for the gradient.
   */
  draw(n: number, rng: Rng, options?: ModelDrawOptions): ModelDraw {
    this.checkLive();
    if (!Number.isInteger(n) || n < 1)
      throw new RangeError(`vae model: draw needs a positive integer sample count, got ${n}`);
    const D = this.dimension;
    const d = this.latentDimension;
    const zValues = rng.fillNormal(new Float32Array(n * d)) as Float32Array;
    const epsValues = rng.fillNormal(new Float32Array(n * D)) as Float32Array;
    const rotorShift = this.rotor && this.drawRotorShifts(n, rng);
    // A training draw picks components from the mixture's proposal (priorMixture.balance), so rare
    // components keep training; its samples then carry the weights P/P̃ (core's proposalLogRatio).
    const proposal =
      options?.training === true && this.priorMixture !== undefined && this.priorMixture.options.balance > 0
        ? this.priorMixture.proposalWeights()
        : undefined;
    const labels = this.priorMixture?.drawLabels(n, rng, proposal);
    const isRotor = new Uint8Array(D);
    for (const i of this.rotors) isRotor[i] = 1;
    // Parameter-free parts of ℓ, summed in Float64: log p(z) and the decoder's −½|ε|² (because
    // u = μ + σε, (u − μ)/σ is exactly ε, so log N(u; μ, σ²) = −½|ε|² − ½Σ log σ² − (D/2) log 2π
    // as a function of the parameters too: same values and gradients, less float32 rounding).
    const constant = new Float32Array(n);
    const perSampleConst = -0.5 * (D * LOG_2PI) - this.logScaleSum;
    for (let i = 0; i < n; i++) {
      let zz = 0;
      for (let k = 0; k < d; k++) zz += zValues[i * d + k]! ** 2;
      let ee = 0;
      // Rotor terms replace −½ε² by the mixture's (added below, in tfjs, as they depend on σ).
      for (let k = 0; k < D; k++) if (!isRotor[k]) ee += epsValues[i * D + k]! ** 2;
      // Full log p(z), 2π term included (it cancels against log r's, which is also kept whole);
      // a mixture prior's log p(z) depends on its parameters and is added in tfjs instead.
      constant[i] = (labels ? 0 : -0.5 * zz - 0.5 * d * LOG_2PI) - 0.5 * ee + perSampleConst;
    }
    return tf.tidy(() => {
      const zeta = tf.tensor2d(zValues, [n, d]);
      const z = labels ? this.priorMixture!.latent(zeta, labels) : zeta;
      const eps = tf.tensor2d(epsValues, [n, D]);
      const component = this.priorMixture?.decoderBias && labels ? this.priorMixture.oneHot(labels) : undefined;
      const dec = this.decoderStandard(z, component);
      const v = tf.add(dec.mean, tf.mul(tf.exp(tf.mul(dec.logVariance, 0.5)), eps)) as tf.Tensor2D;
      const flow = this.decoderFlow?.forward(v, z);
      const u = flow ? flow.u : rotorShift ? (tf.add(v, tf.tensor2d(rotorShift, [n, D])) as tf.Tensor2D) : v;
      const y = this.fromStandard(u);
      const sumLogVariance =
        this.options.decoderVariance === 'shared' ? tf.sum(dec.logVariance) : tf.sum(dec.logVariance, 1);
      const enc = this.encoderStandard(this.wrapStandard(u));
      const logR = gaussianLogDensityTf(z, enc.mean, enc.logVariance);
      let logQ = tf.sub(tf.sub(tf.tensor1d(constant), tf.mul(sumLogVariance, 0.5)), logR) as tf.Tensor1D;
      if (flow) logQ = tf.sub(logQ, flow.logDet) as tf.Tensor1D;
      if (this.rotor) logQ = tf.add(logQ, this.rotorTerm(eps, dec.logVariance)) as tf.Tensor1D;
      if (!labels) return { y, logQ, z };
      const mixture = this.priorMixture!;
      if (component) {
        // The component is a latent of the bound: + log π_k N(z; a_k, b_k²) − log r(k|y).
        const logRk = tf.sum(tf.mul(mixture.classifierLogProbs(enc.hidden), component), 1);
        logQ = tf.sub(tf.add(logQ, mixture.labelledLogDensity(z, labels)), logRk) as tf.Tensor1D;
      } else {
        logQ = tf.add(logQ, mixture.logDensity(z)) as tf.Tensor1D;
      }
      if (proposal) return { y, logQ, z, proposalLogRatio: mixture.proposalLogRatio(labels, proposal) };
      return { y, logQ, z, choiceLogProb: mixture.choiceLogProb(labels) };
    });
  }

  /**
   * Evidence bound on log q(y) for given configurations (n × D): one reparameterised z ~ r(z|y) per
   * row, its n × d standard normals taken from `rng`. Differentiable in decoder and encoder, so the
   * trainer's forward-KL term fits the decoder to reweighted samples and tightens the encoder.
   * With a flow decoder, log q(u|z) = log N(f⁻¹(u; z); μ, σ²) + log|det ∂f⁻¹/∂u| (spline inverse).
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
      constant[i] = 0.5 * ee - this.logScaleSum;
    }
    return tf.tidy(() => {
      const u = this.toStandard(y);
      const enc = this.encoderStandard(u);
      const z = tf.add(enc.mean, tf.mul(tf.exp(tf.mul(enc.logVariance, 0.5)), tf.tensor2d(eps, [n, d]))) as tf.Tensor2D;
      const minusLogR = tf.add(tf.mul(tf.sum(enc.logVariance, 1), 0.5), 0.5 * d * LOG_2PI);
      const rest = tf.add(minusLogR, tf.tensor1d(constant));
      const mixture = this.priorMixture;
      if (mixture?.decoderBias) {
        // The component summed out exactly under r(k|y): Σ_k r_k [log π_k N(z; a_k) + log q(y|z, k) − log r_k].
        const logRk = mixture.classifierLogProbs(enc.hidden);
        const perComponent = tf.add(this.componentLogDensities(u, z), tf.sub(mixture.jointLogDensities(z), logRk));
        return tf.add(tf.sum(tf.mul(tf.exp(logRk), perComponent), 1), rest) as tf.Tensor1D;
      }
      const logP = this.priorLogDensity(z);
      const logQ = this.decoderLogDensityStandard(u, z);
      return tf.add(tf.add(logP, logQ), rest) as tf.Tensor1D;
    });
  }

  /**
   * The decoder density log q_θ(y|z) per row, for configurations y (n × D) and latent values
   * z (n × d): log N(u; μ_θ(z), σ²_θ(z)) − Σ_i log s_i, or with a flow decoder
   * log N(f⁻¹(u; z); μ_θ, σ²_θ) + log|det ∂f⁻¹/∂u| − Σ_i log s_i (u = (y − m)/s elementwise).
   */
  decoderLogDensity(y: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
    this.checkLive();
    this.checkShape('decoderLogDensity', y, this.dimension, 'dimension');
    this.checkShape('decoderLogDensity', z, this.latentDimension, 'latent dimension');
    if (z.shape[0] !== y.shape[0])
      throw new RangeError(
        `vae model: decoderLogDensity needs as many rows of z as of y, got ${z.shape[0]} and ${y.shape[0]}`,
      );
    return tf.tidy(() => {
      return tf.sub(this.marginalDecoderLogDensity(this.toStandard(y), z), this.logScaleSum) as tf.Tensor1D;
    });
  }

  /** log q(u|z) of standardised u; with a component-aware decoder, q(u|z) = Σ_k p(k|z) q(u|z, k). */
  private marginalDecoderLogDensity(u: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
    const mixture = this.priorMixture;
    if (!mixture?.decoderBias) return this.decoderLogDensityStandard(u, z);
    const joint = mixture.jointLogDensities(z);
    const logPosterior = tf.sub(joint, tf.logSumExp(joint, 1, true));
    return tf.logSumExp(tf.add(logPosterior, this.componentLogDensities(u, z)), 1) as tf.Tensor1D;
  }

  /** log p(z): the mixture's, or the standard normal's. */
  private priorLogDensity(z: tf.Tensor2D): tf.Tensor1D {
    if (this.priorMixture) return this.priorMixture.logDensity(z);
    return tf.sub(tf.mul(tf.sum(tf.square(z), 1), -0.5), 0.5 * z.shape[1] * LOG_2PI) as tf.Tensor1D;
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
      const u = this.toStandard(y);
      const enc = this.encoderStandard(u);
      const std = tf.exp(tf.mul(enc.logVariance, 0.5));
      const columns: tf.Tensor2D[] = [];
      for (let k = 0; k < samples; k++) {
        // A tidy per sample: the decoder's intermediates of one z are freed before the next, so
        // memory stays that of one pass whatever K is.
        columns.push(
          tf.tidy(() => {
            const zk =
              k === 0 && z
                ? z
                : (tf.add(
                    enc.mean,
                    tf.mul(std, tf.tensor2d(rng.fillNormal(new Float32Array(n * d)) as Float32Array, [n, d])),
                  ) as tf.Tensor2D);
            const logJoint = tf.add(this.priorLogDensity(zk), this.marginalDecoderLogDensity(u, zk));
            return tf.sub(logJoint, gaussianLogDensityTf(zk, enc.mean, enc.logVariance)).reshape([n, 1]) as tf.Tensor2D;
          }),
        );
      }
      return tf.sub(tf.logSumExp(tf.concat(columns, 1), 1), Math.log(samples) + this.logScaleSum) as tf.Tensor1D;
    });
  }

  /** CVs of configurations: the encoder means μ_φ(y), n × d. */
  encode(y: tf.Tensor2D): tf.Tensor2D {
    this.checkLive();
    this.checkShape('encode', y, this.dimension, 'dimension');
    return tf.tidy(() => this.encoderStandard(this.toStandard(y)).mean);
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
      const mean = this.decoderStandard(z, this.likeliestComponent(z)).mean;
      return this.fromStandard(this.decoderFlow ? this.decoderFlow.forward(mean, z).u : mean);
    });
  }

  /**
   * With `priorMixture.scan` (component-scan.ts): decodes `candidates` latent values (z drawn with
   * standard deviation `spread`, each with the next component in turn), scores the structures with
   * the probe, and starts component i at the i-th chosen basin bottom: centre at its z, decoder
   * rows of the component that decoded it. Otherwise a no-op.
   */
  async initialize(probe: TargetProbe): Promise<string | undefined> {
    this.checkLive();
    const mixture = this.priorMixture;
    const scan = mixture?.options.scan;
    if (!mixture || !scan) return undefined;
    const K = mixture.options.components;
    const d = this.latentDimension;
    const D = this.dimension;
    const M = scan.candidates;
    const z = probe.rng.fillNormal(new Float32Array(M * d)) as Float32Array;
    for (let i = 0; i < z.length; i++) z[i]! *= scan.spread;
    const labels = Int32Array.from({ length: M }, (_, i) => i % K);
    const { u, y } = tf.tidy(() => {
      const zt = tf.tensor2d(z, [M, d]);
      const mean = this.decoderStandard(zt, mixture.decoderBias ? mixture.oneHot(labels) : undefined).mean;
      const ut = this.decoderFlow ? this.decoderFlow.forward(mean, zt).u : mean;
      return { u: ut.dataSync() as Float32Array, y: this.fromStandard(ut).dataSync() as Float32Array };
    });
    const logTarget = await probe.logTarget(Float64Array.from(y), M);
    // Compared over the coordinates the CVs drive (latentSkip): the slow ones. Elsewhere the
    // untrained decoder's small random differences would outweigh the basins'.
    const columns = this.latentSkip ? [...this.latentSkip.indices] : Array.from({ length: D }, (_, j) => j);
    const points = new Float64Array(M * columns.length);
    for (let i = 0; i < M; i++)
      columns.forEach((c, j) => {
        points[i * columns.length + j] = u[i * D + c]!;
      });
    const periods = columns.map((c) => (this.circular.includes(c) ? (2 * Math.PI) / this.outputScales[c]! : 0));
    const { chosen, bottoms } = chooseScanCandidates(logTarget, points, columns.length, periods, K, scan);
    const centres = new Float32Array(K * d);
    chosen.forEach((c, i) => centres.set(z.subarray(c * d, (c + 1) * d), i * d));
    mixture.placeAt(
      centres,
      Int32Array.from(chosen, (c) => labels[c]!),
    );
    const shown = columns.length <= 4 ? columns : columns.slice(0, 4);
    const where = chosen.map(
      (c) => `(${shown.map((col) => y[c * D + col]!.toFixed(2)).join(', ')}) log p̃ ${logTarget[c]!.toFixed(1)}`,
    );
    const how =
      bottoms >= K
        ? `the best ${K} of ${bottoms} basin bottoms`
        : `all ${bottoms} basin bottoms and ${K - bottoms} spread-out low-energy structures`;
    return (
      `vae: priorMixture.scan placed the ${K} components at ${how} among ${M} decoded structures ` +
      `(coordinates ${shown.join(', ')}${columns.length > shown.length ? ', …' : ''}): ${where.join('; ')}`
    );
  }

  /**
   * Encoder log-variances log σ²_φ(y) (n × d) for configurations y: how sharply the recognition
   * model pins the CVs down.
   */
  encodeLogVariance(y: tf.Tensor2D): tf.Tensor2D {
    this.checkLive();
    this.checkShape('encodeLogVariance', y, this.dimension, 'dimension');
    return tf.tidy(() => this.encoderStandard(this.toStandard(y)).logVariance);
  }

  /**
   * Decoder log-variances of y (not of the standardised u) for latent values z, n × D. With a flow
   * decoder these are the Gaussian stage's (of v, before the flow), not the variances of q(y|z).
   */
  decodeLogVariance(z: tf.Tensor2D): tf.Tensor2D {
    this.checkLive();
    this.checkShape('decodeLogVariance', z, this.latentDimension, 'latent dimension');
    return tf.tidy(() => {
      const lv = this.decoderStandard(z, this.likeliestComponent(z)).logVariance;
      const full = lv.shape[0] === z.shape[0] ? lv : tf.tile(lv, [z.shape[0], 1]);
      return this.uniformScale !== undefined
        ? (tf.add(full, 2 * Math.log(this.uniformScale)) as tf.Tensor2D)
        : (tf.add(
            full,
            tf.tensor2d(
              Float32Array.from(this.outputScales, (v) => 2 * Math.log(v)),
              [1, this.dimension],
            ),
          ) as tf.Tensor2D);
    });
  }

  /**
   * All trainable variables, in a stable order, with names `<scope>/{decoder,encoder}/<layer>/<kernel|bias>`;
   * a flow decoder's come last, as `<scope>/decoder/flow<k>/{dense<i>,out}/<kernel|bias>`.
   */
  variables(): tf.Variable[] {
    this.checkLive();
    return [...this.allVariables];
  }

  metadata(): ModelMetadata {
    const o = this.options;
    return {
      plugin: 'vae',
      dimension: this.dimension,
      latentDimension: this.latentDimension,
      exactDensity: false,
      logVarianceRange: [...LOG_VARIANCE_RANGE],
      options: {
        latentDim: o.latentDim,
        decoderHidden: [...o.decoderHidden],
        decoderActivation: o.decoderActivation,
        decoderVariance: o.decoderVariance,
        initialLogVariance: o.initialLogVariance,
        encoderHidden: [...o.encoderHidden],
        encoderActivations: [...o.encoderActivations],
        outputScale: o.outputScale,
        ...(this.circular.length > 0 ? { circular: [...this.circular] } : {}),
        // Resolved indices, so a saved model rebuilds without the transform's names.
        ...(this.rotors.length > 0 ? { rotorSymmetry: [...this.rotors], rotorEncoder: o.rotorEncoder } : {}),
        ...(this.latentSkip
          ? { latentSkip: { coordinates: [...this.latentSkip.indices], slope: this.latentSkip.slope } }
          : {}),
        ...(o.encoderAngles !== 'wrapped' ? { encoderAngles: o.encoderAngles } : {}),
        ...(this.encoderSkip ? { encoderSkip: true } : {}),
        ...(this.mlpMask ? { latentSkipOnly: true } : {}),
        ...(this.mlpRange ? { latentSkipMlpRange: o.latentSkipMlpRange } : {}),
        ...(o.priorMixture ? { priorMixture: { ...o.priorMixture } } : {}),
        ...(this.decoderStdCap
          ? { decoderStdMax: { coordinates: [...this.decoderStdCap.indices], max: this.decoderStdCap.max } }
          : {}),
        // The resolved scales (from outputScales or scaleByKind) whenever they are not all outputScale,
        // so that a saved model rebuilds without the transform that named its coordinates.
        ...(this.outputScales.some((v) => v !== o.outputScale) ? { outputScales: Array.from(this.outputScales) } : {}),
        finalLayerScale: o.finalLayerScale,
        scope: o.scope,
        ...(o.decoderFlow ? { decoderFlow: { ...o.decoderFlow, hidden: [...o.decoderFlow.hidden] } } : {}),
        ...(this.outputMean ? { outputMean: Array.from(this.outputMean) } : {}),
      },
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.allVariables) v.dispose();
    this.decoderFlow?.dispose();
    this.meanTensor?.dispose();
    this.scaleTensor?.dispose();
    this.invScaleTensor?.dispose();
    this.wrapPeriod?.dispose();
    this.mlpMask?.dispose();
    this.mlpRange?.dispose();
    if (this.rotor) tf.dispose([this.rotor.period, this.rotor.gaussianMask]);
    this.encoderMask?.dispose();
    if (this.decoderCaps) tf.dispose([this.decoderCaps.centre, this.decoderCaps.halfWidth]);
    if (this.trig) tf.dispose([this.trig.keep, this.trig.cos, this.trig.sinSelect]);
  }

  /**
   * Decoder statistics at z; `component` (n × K one-hot, with a component-aware decoder) adds each
   * row's component bias to the first layer and its offset to the mean.
   */
  private decoderStandard(z: tf.Tensor2D, component?: tf.Tensor2D): DecoderOut {
    const act = activationFn(this.options.decoderActivation);
    const bias = component && tf.matMul(component, this.priorMixture!.decoderBias!);
    let h = z;
    this.decoderHidden.forEach((layer, i) => {
      const pre = applyDense(layer, h);
      h = act(i === 0 && bias ? tf.add(pre, bias) : pre) as tf.Tensor2D;
    });
    let mlpMean = applyDense(this.decoderMean, h);
    if (this.mlpMask) {
      const kept = tf.mul(mlpMean, this.mlpMask);
      // mask·m + (1 − mask)·r·tanh(m/r): bounded by r at the skip coordinates, untouched elsewhere.
      mlpMean = (
        this.mlpRange
          ? tf.add(
              kept,
              tf.mul(tf.sub(1, this.mlpMask), tf.mul(this.mlpRange, tf.tanh(tf.div(mlpMean, this.mlpRange)))),
            )
          : kept
      ) as tf.Tensor2D;
    }
    if (component) {
      const offset = tf.matMul(component, this.priorMixture!.decoderOffset!);
      mlpMean = tf.add(mlpMean, this.decoderHidden.length === 0 ? tf.add(bias!, offset) : offset) as tf.Tensor2D;
    }
    const mean = this.decoderSkip ? (tf.add(mlpMean, tf.matMul(z, this.decoderSkip)) as tf.Tensor2D) : mlpMean;
    const lv = this.decoderLogVariance;
    const logVariance =
      lv instanceof tf.Variable
        ? (softClampLogVariance(lv.reshape([1, this.dimension]), this.decoderCaps) as tf.Tensor2D)
        : (softClampLogVariance(applyDense(lv, h), this.decoderCaps) as tf.Tensor2D);
    return { mean, logVariance };
  }

  /** n × K: log q_θ(u|z, k) in standardised units for every component k (component-aware decoder). */
  private componentLogDensities(u: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor2D {
    const n = z.shape[0];
    const columns = Array.from({ length: this.priorMixture!.options.components }, (_, k) =>
      this.decoderLogDensityStandard(u, z, this.priorMixture!.oneHot(new Int32Array(n).fill(k))).reshape([n, 1]),
    );
    return tf.concat(columns, 1) as tf.Tensor2D;
  }

  /** With a component-aware decoder: the one-hot rows of each z's likeliest component; else undefined. */
  private likeliestComponent(z: tf.Tensor2D): tf.Tensor2D | undefined {
    const mixture = this.priorMixture;
    return mixture?.decoderBias ? mixture.oneHot(mixture.likeliestLabels(z)) : undefined;
  }

  /** log q_θ(u|z) in standardised units (no −D log s); `component` as for decoderStandard. */
  private decoderLogDensityStandard(u: tf.Tensor2D, z: tf.Tensor2D, component?: tf.Tensor2D): tf.Tensor1D {
    const dec = this.decoderStandard(z, component);
    const inv = this.decoderFlow?.inverse(u, z);
    if (inv) return tf.add(gaussianLogDensityTf(inv.v, dec.mean, dec.logVariance), inv.logDet) as tf.Tensor1D;
    // u is wrapped onto [−π, π) at circular coordinates, μ is not (a latent skip can put it past
    // ±π): their difference is taken to the nearest image, the draw's own residual σε, which is
    // far below π. Unwrapped, a torsion drawn past −π would sit 2π from its own mean.
    const residual = this.wrapStandard(tf.sub(u, dec.mean) as tf.Tensor2D);
    if (!this.rotor) return gaussianLogDensityTf(residual, tf.zerosLike(residual), dec.logVariance);
    // The Gaussian's quadratic term at the other coordinates (masked, not subtracted, so a rotor
    // far from μ leaves no float32 residue), the mixture's at the rotors.
    const eps = tf.mul(residual, tf.exp(tf.mul(dec.logVariance, -0.5))) as tf.Tensor2D;
    const quad = tf.sum(tf.mul(tf.square(eps), this.rotor.gaussianMask), 1);
    const lvSum = this.options.decoderVariance === 'shared' ? tf.sum(dec.logVariance) : tf.sum(dec.logVariance, 1);
    const gauss = tf.sub(tf.mul(tf.add(quad, lvSum), -0.5), 0.5 * this.dimension * LOG_2PI);
    return tf.add(gauss, this.rotorTerm(eps, dec.logVariance)) as tf.Tensor1D;
  }

  /**
   * Σ over rotors of log[(1/3) Σ_m exp(−½ (ε + m a)²)], a = 2π/(3 s σ), per row: what replaces
   * the Gaussian's −½ ε² there. ε is the n × D standardised residual (u − μ)/σ.
   */
  private rotorTerm(eps: tf.Tensor2D, logVariance: tf.Tensor2D): tf.Tensor1D {
    const r = this.rotor!;
    const epsR = this.rotorColumns(eps);
    const a = tf.mul(r.period, tf.exp(tf.mul(this.rotorColumns(logVariance), -0.5))) as tf.Tensor2D;
    return tf.sum(rotorLogMixture(epsR, a, r.images), 1) as tf.Tensor1D;
  }

  /** The rotor columns of an n × D tensor, n × R; slices, because gather's gradient has no wasm kernel. */
  private rotorColumns(t: tf.Tensor2D): tf.Tensor2D {
    const cols = this.rotors.map((i) => tf.slice(t, [0, i], [t.shape[0], 1]));
    return (cols.length === 1 ? cols[0]! : tf.concat(cols, 1)) as tf.Tensor2D;
  }

  /** n × D shifts, k·2π/(3 s_i) at the rotors (k uniform in {−1, 0, 1}), 0 elsewhere. */
  private drawRotorShifts(n: number, rng: Rng): Float32Array {
    const D = this.dimension;
    const out = new Float32Array(n * D);
    for (let i = 0; i < n; i++) {
      this.rotors.forEach((c, j) => {
        out[i * D + c] = (rng.int(ROTOR_FOLD) - 1) * this.rotor!.shifts[j]!;
      });
    }
    return out;
  }

  private encoderStandard(u: tf.Tensor2D): { mean: tf.Tensor2D; logVariance: tf.Tensor2D; hidden: tf.Tensor2D } {
    let h: tf.Tensor2D;
    if (this.trig) {
      // The angle itself, y = m + s·u (wrapped or not: cos and sin do not care); `keep` already
      // zeroes hidden rotors, so the encoder mask is not applied again.
      const theta = this.fromStandard(u);
      h = tf.concat(
        [
          tf.add(tf.mul(u, this.trig.keep), tf.mul(tf.cos(theta), this.trig.cos)),
          tf.matMul(tf.sin(theta), this.trig.sinSelect),
        ],
        1,
      ) as tf.Tensor2D;
    } else {
      h = this.encoderMask ? (tf.mul(u, this.encoderMask) as tf.Tensor2D) : u;
    }
    this.encoderHidden.forEach((layer, i) => {
      h = activationFn(this.options.encoderActivations[i]!)(applyDense(layer, h)) as tf.Tensor2D;
    });
    const mlpMean = applyDense(this.encoderMean, h);
    return {
      mean: this.encoderSkip ? (tf.add(mlpMean, tf.matMul(u, this.encoderSkip)) as tf.Tensor2D) : mlpMean,
      logVariance: softClampLogVariance(applyDense(this.encoderLogVariance, h)) as tf.Tensor2D,
      hidden: h,
    };
  }

  private fromStandard(u: tf.Tensor2D): tf.Tensor2D {
    const s = this.uniformScale;
    const scaled =
      s === undefined ? (tf.mul(u, this.scaleTensor!) as tf.Tensor2D) : s === 1 ? u : (tf.mul(u, s) as tf.Tensor2D);
    return this.meanTensor ? (tf.add(scaled, this.meanTensor) as tf.Tensor2D) : scaled;
  }

  private toStandard(y: tf.Tensor2D): tf.Tensor2D {
    const centred = this.meanTensor ? (tf.sub(y, this.meanTensor) as tf.Tensor2D) : y;
    const s = this.uniformScale;
    if (s === undefined) return this.wrapStandard(tf.mul(centred, this.invScaleTensor!) as tf.Tensor2D);
    return this.wrapStandard(s === 1 ? centred : (tf.mul(centred, 1 / s) as tf.Tensor2D));
  }

  /**
   * Standardised u with the circular coordinates' s·u wrapped into [−π, π):
   * u − (2π/s)·floor((s·u + π)/2π) there, u elsewhere (the identity without circular coordinates).
   * floor is piecewise constant, so gradients pass through u unchanged.
   */
  private wrapStandard(u: tf.Tensor2D): tf.Tensor2D {
    if (!this.wrapPeriod) return u;
    const turns = tf.floor(tf.div(tf.add(tf.mul(u, this.scaleTensor!), Math.PI), 2 * Math.PI));
    return tf.sub(u, tf.mul(turns, this.wrapPeriod)) as tf.Tensor2D;
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

/**
 * The per-dimension output scales: `outputScales`, else `scaleByKind` over the context's coordinate
 * names, else the context's `outputScales`, else `outputScale` everywhere.
 */
function resolveScales(o: VaeOptions, context: VaeContext): Float64Array {
  const D = context.dimension;
  if (o.outputScales !== undefined) return Float64Array.from(o.outputScales);
  if (o.scaleByKind !== undefined)
    return scalesByKind(o.scaleByKind, context.coordinateNames, D, context.transformName);
  if (context.outputScales !== undefined) {
    const s = modelVector(context.outputScales, D, 'vae model: outputScales');
    const bad = s.findIndex((v) => !(v > 0));
    if (bad >= 0) throw new RangeError(`vae model: outputScales[${bad}] must be a positive number, got ${s[bad]}`);
    return s;
  }
  return new Float64Array(D).fill(o.outputScale);
}

/** Model-space indices (sorted) of a coordinate list option: 'backbone' (φ and ψ, by the transform's names) or indices. */
function resolveCoordinates(
  option: string,
  coordinates: 'backbone' | readonly number[],
  givenNames: readonly string[] | undefined,
  D: number,
  transformName?: string,
): number[] {
  if (coordinates !== 'backbone') return [...coordinates].sort((a, b) => a - b);
  const names = requireCoordinateNames(givenNames, D, {
    who: 'vae model',
    option: `${option}.coordinates 'backbone'`,
    ...(transformName !== undefined ? { transformName } : {}),
    otherwise: 'List model-space indices instead.',
  });
  const { phi, psi } = backboneTorsions(names);
  const indices = [...phi, ...psi].sort((a, b) => a - b);
  if (indices.length === 0)
    throw new RangeError(
      `vae model: option ${option}.coordinates 'backbone' found no φ (C-N-CA-C) or ψ (N-CA-C-N) torsion among the transform's names; list model-space indices instead.`,
    );
  return indices;
}

/**
 * Indices and per-dimension upper log-variance bounds (standardised units) of `decoderStdMax`:
 * 2 log(max / s_i) at the capped coordinates, never above the global bound, which the others keep.
 */
function resolveStdMax(
  spec: VaeOptions['decoderStdMax'],
  names: readonly string[] | undefined,
  scales: Float64Array,
  transformName?: string,
): { indices: number[]; max: number; upper: Float64Array } | undefined {
  if (!spec) return undefined;
  const D = scales.length;
  const indices = resolveCoordinates('decoderStdMax', spec.coordinates, names, D, transformName);
  const [lo, hi] = LOG_VARIANCE_RANGE;
  const upper = new Float64Array(D).fill(hi);
  for (const i of indices) {
    const u = 2 * Math.log(spec.max / scales[i]!);
    if (!(u > lo + 1)) {
      throw new RangeError(
        `vae model: option decoderStdMax.max ${spec.max} is at most ${(scales[i]! * Math.exp((lo + 1) / 2)).toExponential(2)}, ` +
          `the smallest cap coordinate ${i} (output scale ${scales[i]}) allows; raise it`,
      );
    }
    upper[i] = Math.min(hi, u);
  }
  return { indices, max: spec.max, upper };
}

/** Circular indices from the option and, for 'auto', the transform's flags (none without flags). */
function resolveCircular(
  spec: VaeOptions['circular'],
  flags: ArrayLike<number> | undefined,
  dimension: number,
): number[] {
  if (spec === 'none') return [];
  if (Array.isArray(spec)) return [...spec].sort((a, b) => a - b);
  if (flags === undefined) return [];
  if (flags.length !== dimension)
    throw new RangeError(
      `vae model: option circular 'auto': the transform flags ${flags.length} coordinates, but the model dimension is ${dimension}`,
    );
  return Array.from({ length: dimension }, (_, i) => i).filter((i) => flags[i] !== 0);
}

/** Build a VAE model from options (defaults filled) and a dimension/seed. */
export function createVaeModel(options: VaeOptionsInput, context: VaeContext): VaeModel {
  return new VaeModel(options, context);
}
