/**
 * The VAE's standardised units: y = m + s·u elementwise, with m the reference configuration
 * (`outputMean`) and s the per-dimension output scales, so that the networks see O(1) numbers
 * around a sensible structure. Circular coordinates (torsions, option `circular`) see y − m
 * wrapped into [−π, π) before scaling; draws are not wrapped (the transform takes any torsion).
 */
import * as tf from '@embedcg/core/tf';
import { modelVector } from '@embedcg/core';
import { scalesByKind, type VaeOptions } from './options.js';

/** What the output space takes from the run besides the options (see VaeContext). */
export interface OutputContext {
  dimension: number;
  outputMean?: ArrayLike<number>;
  outputScales?: ArrayLike<number>;
  coordinateNames?: readonly string[];
  transformName?: string;
  circular?: ArrayLike<number>;
}

export class OutputSpace {
  /** Reference configuration m (Float64), or undefined for m = 0. */
  readonly mean: Float64Array | undefined;
  /** Per-dimension output scales s (length D). */
  readonly scales: Float64Array;
  /** Model-space indices of the circular coordinates (sorted); empty: no wrapping anywhere. */
  readonly circular: readonly number[];
  /** The common scale when all s_i are equal (scalar arithmetic, as before per-dimension scales existed). */
  readonly uniformScale: number | undefined;
  /** Σ_i log s_i, the log-det of y = m + s·u (D log s when the scales are uniform). */
  readonly logScaleSum: number;
  private readonly meanTensor: tf.Tensor2D | undefined;
  /** 1 × D row s, for non-uniform scales or circular coordinates; 1/s only for non-uniform scales. */
  private readonly scaleTensor: tf.Tensor2D | undefined;
  private readonly invScaleTensor: tf.Tensor2D | undefined;
  /** For circular coordinates: 1 × D row 2π/s (0 where not circular). */
  private readonly wrapPeriod: tf.Tensor2D | undefined;

  constructor(o: VaeOptions, context: OutputContext) {
    const D = context.dimension;
    const mean = o.outputMean ?? context.outputMean;
    if (mean !== undefined) this.mean = modelVector(mean, D, 'vae model: outputMean');
    this.scales = resolveScales(o, context);
    const first = this.scales[0]!;
    this.uniformScale = this.scales.every((v) => v === first) ? first : undefined;
    this.circular = Object.freeze(resolveCircular(o.circular, context.circular, D));
    this.logScaleSum =
      this.uniformScale !== undefined
        ? D * Math.log(this.uniformScale)
        : this.scales.reduce((a, v) => a + Math.log(v), 0);
    this.meanTensor = this.mean ? tf.tensor2d(Float32Array.from(this.mean), [1, D]) : undefined;
    if (this.uniformScale === undefined || this.circular.length > 0)
      this.scaleTensor = tf.tensor2d(Float32Array.from(this.scales), [1, D]);
    if (this.uniformScale === undefined)
      this.invScaleTensor = tf.tensor2d(
        Float32Array.from(this.scales, (v) => 1 / v),
        [1, D],
      );
    if (this.circular.length > 0) {
      const period = new Float32Array(D);
      for (const i of this.circular) period[i] = (2 * Math.PI) / this.scales[i]!;
      this.wrapPeriod = tf.tensor2d(period, [1, D]);
    }
  }

  /** y = m + s·u. */
  fromStandard(u: tf.Tensor2D): tf.Tensor2D {
    const s = this.uniformScale;
    const scaled =
      s === undefined ? (tf.mul(u, this.scaleTensor!) as tf.Tensor2D) : s === 1 ? u : (tf.mul(u, s) as tf.Tensor2D);
    return this.meanTensor ? (tf.add(scaled, this.meanTensor) as tf.Tensor2D) : scaled;
  }

  /** u = (y − m)/s, wrapped at the circular coordinates. */
  toStandard(y: tf.Tensor2D): tf.Tensor2D {
    const centred = this.meanTensor ? (tf.sub(y, this.meanTensor) as tf.Tensor2D) : y;
    const s = this.uniformScale;
    if (s === undefined) return this.wrap(tf.mul(centred, this.invScaleTensor!) as tf.Tensor2D);
    return this.wrap(s === 1 ? centred : (tf.mul(centred, 1 / s) as tf.Tensor2D));
  }

  /**
   * Standardised u with the circular coordinates' s·u wrapped into [−π, π):
   * u − (2π/s)·floor((s·u + π)/2π) there, u elsewhere (the identity without circular coordinates).
   * floor is piecewise constant, so gradients pass through u unchanged.
   */
  wrap(u: tf.Tensor2D): tf.Tensor2D {
    if (!this.wrapPeriod) return u;
    const turns = tf.floor(tf.div(tf.add(tf.mul(u, this.scaleTensor!), Math.PI), 2 * Math.PI));
    return tf.sub(u, tf.mul(turns, this.wrapPeriod)) as tf.Tensor2D;
  }

  /** Log-variances of y from those of u (n × D or 1 × D, tiled to n rows): + 2 log s_i. */
  logVarianceOfY(logVariance: tf.Tensor2D, n: number): tf.Tensor2D {
    const full = logVariance.shape[0] === n ? logVariance : tf.tile(logVariance, [n, 1]);
    if (this.uniformScale !== undefined) return tf.add(full, 2 * Math.log(this.uniformScale)) as tf.Tensor2D;
    const twoLogS = Float32Array.from(this.scales, (v) => 2 * Math.log(v));
    return tf.add(full, tf.tensor2d(twoLogS, [1, this.scales.length])) as tf.Tensor2D;
  }

  dispose(): void {
    tf.dispose(
      [this.meanTensor, this.scaleTensor, this.invScaleTensor, this.wrapPeriod].filter((t) => t !== undefined),
    );
  }
}

/**
 * The per-dimension output scales: `outputScales`, else `scaleByKind` over the context's coordinate
 * names, else the context's `outputScales`, else `outputScale` everywhere.
 */
function resolveScales(o: VaeOptions, context: OutputContext): Float64Array {
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
