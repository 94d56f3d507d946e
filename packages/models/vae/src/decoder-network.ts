/**
 * The decoder's networks: the Gaussian statistics μ_θ(z) and log σ²_θ(z) in standardised units,
 * which every decoder density (decoder-density.ts) starts from.
 *
 *   μ(z) = MLP(z) [+ z·W with `latentSkip`],   log σ² = shared vector or linear head, soft-clamped
 *
 * With `latentSkipOnly` the MLP leaves the skip coordinates alone (or moves them by at most r·tanh
 * with `latentSkipMlpRange` r); with `decoderStdMax` the clamp's upper end is lower at the capped
 * coordinates; a component-aware mixture prior adds each row's component bias to the first layer
 * and its offset to the mean.
 */
import * as tf from '@embedcg/core/tf';
import {
  activationFn,
  applyDense,
  createDense,
  createVariable,
  gatherRows,
  glorotUniformScaledBound as init,
  type Dense,
  type Rng,
} from '@embedcg/core';
import type { StdCap } from './coordinates.js';
import {
  logVarianceCaps,
  softClampLogVariance,
  unclampCapped,
  unclampLogVariance,
  type LogVarianceCaps,
} from './log-variance.js';
import type { VaeOptions } from './options.js';

/** Decoder statistics in standardised units. */
export interface DecoderStats {
  mean: tf.Tensor2D;
  /** Clamped log-variance, 1 × D ('shared') or n × D ('head'). */
  logVariance: tf.Tensor2D;
}

/** A component-aware prior's rows for each sample: one-hot n × K, K × width first-layer biases, K × D mean offsets. */
export interface ComponentRows {
  oneHot: tf.Tensor2D;
  bias: tf.Tensor2D | tf.Variable;
  offset: tf.Tensor2D | tf.Variable;
  /** The one-hot rows' components: rows are then gathered (core's gatherRows), not multiplied out. */
  labels?: Int32Array;
}

/** Option `latentSkip` resolved: the driven model-space indices (sorted) and the initial slope. */
export interface LatentSkipResolved {
  readonly indices: readonly number[];
  readonly slope: number;
}

export class DecoderNetwork {
  private readonly hidden: Dense[] = [];
  private readonly meanHead: Dense;
  private readonly logVarianceParam: tf.Variable | Dense;
  /** d × D kernel of the linear path z → μ (with `latentSkip`). */
  private readonly skip: tf.Variable | undefined;
  /** 1 × D row, 0 at the skip coordinates and 1 elsewhere (with `latentSkipOnly`). */
  private readonly mlpMask: tf.Tensor2D | undefined;
  /** With `latentSkipMlpRange` r: 1 × D row, r in standardised units at the skip coordinates, 1 elsewhere. */
  private readonly mlpRange: tf.Tensor2D | undefined;
  /** Per-column clamp of the log-variance when some are capped. */
  private readonly caps: LogVarianceCaps | undefined;
  private readonly own: tf.Variable[] = [];

  /**
   * Creates the hidden layers, the mean head and the log-variance (in that order, from `rng`), then
   * the skip path (no random numbers, so the others keep the weights of the same seed without it).
   */
  constructor(
    private readonly o: VaeOptions,
    rng: Rng,
    private readonly dimension: number,
    scales: Float64Array,
    cap: StdCap | undefined,
    skip: LatentSkipResolved | undefined,
    /** The activation and the bias gradients as SIMD kernels (`training.fusedKernels`). */
    private readonly fused = false,
  ) {
    const D = dimension;
    const name = `${o.scope}/decoder`;
    const track = (layer: Dense): Dense => {
      this.own.push(layer.kernel, layer.bias);
      return layer;
    };
    try {
      let fanIn = o.latentDim;
      for (const [i, w] of o.decoderHidden.entries()) {
        this.hidden.push(track(createDense(`${name}/dense${i}`, rng, fanIn, w, { init })));
        fanIn = w;
      }
      // A small last layer keeps the first samples near the reference structure.
      this.meanHead = track(createDense(`${name}/mean`, rng, fanIn, D, { init, scale: o.finalLayerScale }));
      // A capped coordinate starts below its cap (on the tanh's steep part), the others at the option.
      const raw: number | Float32Array = cap
        ? Float32Array.from(cap.upper, (hi) => unclampCapped(Math.min(o.initialLogVariance, hi - 0.5), hi))
        : unclampLogVariance(o.initialLogVariance);
      if (o.decoderVariance === 'shared') {
        const v = createVariable(`${name}/logvar`, typeof raw === 'number' ? tf.fill([D], raw) : tf.tensor1d(raw));
        this.own.push(v);
        this.logVarianceParam = v;
      } else {
        const head = { init, scale: o.finalLayerScale, bias: raw };
        this.logVarianceParam = track(createDense(`${name}/logvar`, rng, fanIn, D, head));
      }
      if (skip)
        this.skip = createVariable(
          `${name}/skip`,
          tf.tensor2d(skipKernel(skip, o.latentDim, scales), [o.latentDim, D]),
        );
    } catch (e) {
      this.dispose();
      throw e;
    }
    if (skip && o.latentSkipOnly) {
      const mask = new Float32Array(D).fill(1);
      for (const c of skip.indices) mask[c] = 0;
      this.mlpMask = tf.tensor2d(mask, [1, D]);
      if (o.latentSkipMlpRange > 0) {
        const range = new Float32Array(D).fill(1);
        for (const c of skip.indices) range[c] = o.latentSkipMlpRange / scales[c]!;
        this.mlpRange = tf.tensor2d(range, [1, D]);
      }
    }
    this.caps = cap && logVarianceCaps(cap.upper);
  }

  /** The networks' variables, in creation order (the skip's come separately: see {@link skipVariables}). */
  variables(): tf.Variable[] {
    return [...this.own];
  }

  /** The skip path's kernel, if any (listed after the encoder's variables, where it always was). */
  skipVariables(): tf.Variable[] {
    return this.skip ? [this.skip] : [];
  }

  /** Whether the MLP is kept off the skip coordinates (`latentSkipOnly`), and bounded (`latentSkipMlpRange`). */
  get skipOnly(): { bounded: boolean } | undefined {
    return this.mlpMask ? { bounded: this.mlpRange !== undefined } : undefined;
  }

  /** μ and log σ² at z (n × d); `components` adds each row's first-layer bias and mean offset. */
  stats(z: tf.Tensor2D, components?: ComponentRows): DecoderStats {
    const act = activationFn(this.o.decoderActivation, this.fused);
    const pick = (table: tf.Tensor2D | tf.Variable): tf.Tensor2D =>
      components!.labels ? gatherRows(table, components!.labels) : tf.matMul(components!.oneHot, table);
    const bias = components && pick(components.bias);
    let h = z;
    this.hidden.forEach((layer, i) => {
      const pre = applyDense(layer, h, this.fused);
      h = act(i === 0 && bias ? tf.add(pre, bias) : pre) as tf.Tensor2D;
    });
    let mlpMean = this.keepOffSkip(applyDense(this.meanHead, h, this.fused));
    if (components) {
      const offset = pick(components.offset);
      mlpMean = tf.add(mlpMean, this.hidden.length === 0 ? tf.add(bias!, offset) : offset) as tf.Tensor2D;
    }
    const mean = this.skip ? (tf.add(mlpMean, tf.matMul(z, this.skip)) as tf.Tensor2D) : mlpMean;
    const lv = this.logVarianceParam;
    const rawLogVariance = lv instanceof tf.Variable ? lv.reshape([1, this.dimension]) : applyDense(lv, h, this.fused);
    return { mean, logVariance: softClampLogVariance(rawLogVariance, this.caps, this.fused) as tf.Tensor2D };
  }

  /** mask·m + (1 − mask)·r·tanh(m/r): bounded by r at the skip coordinates, untouched elsewhere. */
  private keepOffSkip(mlpMean: tf.Tensor2D): tf.Tensor2D {
    if (!this.mlpMask) return mlpMean;
    const kept = tf.mul(mlpMean, this.mlpMask);
    if (!this.mlpRange) return kept as tf.Tensor2D;
    const bent = tf.mul(this.mlpRange, tf.tanh(tf.div(mlpMean, this.mlpRange)));
    return tf.add(kept, tf.mul(tf.sub(1, this.mlpMask), bent)) as tf.Tensor2D;
  }

  dispose(): void {
    for (const v of [...this.own, ...this.skipVariables()]) if (!v.isDisposed) v.dispose();
    tf.dispose([this.mlpMask, this.mlpRange, this.caps?.centre, this.caps?.halfWidth].filter((t) => t !== undefined));
  }
}

/** d × D kernel of the skip path: latent k mod d moves the k-th listed coordinate by slope (its units) per unit of z. */
function skipKernel(skip: LatentSkipResolved, d: number, scales: Float64Array): Float32Array {
  const D = scales.length;
  const w = new Float32Array(d * D);
  skip.indices.forEach((c, k) => {
    w[(k % d) * D + c] = skip.slope / scales[c]!;
  });
  return w;
}
