/**
 * The rotor decoder density (option `rotorSymmetry`, rotor-symmetry.ts): at the three-fold rotor
 * torsions the three-fold symmetric mixture (1/3) Σ_m N(μ + 2πm/3, σ²) on the circle, drawn as the
 * Gaussian plus a uniform shift k·2π/(3s), k ∈ {−1, 0, 1}; the diagonal Gaussian elsewhere. A
 * rotor's log q does not depend on k (it is 2π/3-periodic), so the shift is a constant for the
 * gradient.
 */
import * as tf from '@embedcg/core/tf';
import { rowOpsEnabled, type Rng } from '@embedcg/core';
import type { DecoderDensity, DensityDraw } from './decoder-density.js';
import type { DecoderStats } from './decoder-network.js';
import { LOG_2PI } from './gaussian.js';
import { ROTOR_FOLD, rotorImageCount, rotorLogMixture } from './rotor-symmetry.js';
import { rotorTermOp } from './rotor-term-op.js';

export class RotorDensity implements DecoderDensity {
  readonly ownTerms: Uint8Array;
  /** 1 × R shift periods 2π/(3 s_i) of the rotors. */
  private readonly period: tf.Tensor2D;
  /** 1 × D, 0 at the rotors and 1 elsewhere. */
  private readonly gaussianMask: tf.Tensor2D;
  /** Images of the mixture's sum (rotorImageCount). */
  private readonly images: number;
  private readonly shifts: Float64Array;

  /**
   * `rotors`: sorted model-space indices; `scales`: all D output scales; `sharedVariance`: the
   * log-variance is one 1 × D row (option decoderVariance 'shared'); `wrap` as for the Gaussian.
   */
  constructor(
    private readonly rotors: readonly number[],
    scales: Float64Array,
    private readonly sharedVariance: boolean,
    private readonly wrap: (u: tf.Tensor2D) => tf.Tensor2D,
    /** The rotor term as one op with its gradient (rotor-term-op.ts; `training.fusedKernels`). */
    private readonly fused = false,
  ) {
    const D = scales.length;
    const rotorScales = rotors.map((i) => scales[i]!);
    this.shifts = Float64Array.from(rotorScales, (v) => (2 * Math.PI) / (ROTOR_FOLD * v));
    this.images = rotorImageCount(rotorScales);
    this.ownTerms = new Uint8Array(D);
    for (const i of rotors) this.ownTerms[i] = 1;
    this.period = tf.tensor2d(Float32Array.from(this.shifts), [1, rotors.length]);
    this.gaussianMask = tf.tensor2d(
      Float32Array.from(this.ownTerms, (r) => 1 - r),
      [1, D],
    );
  }

  /** n × D shifts, k·2π/(3 s_i) at the rotors (k uniform in {−1, 0, 1}, n × R integers from `rng`), 0 elsewhere. */
  drawExtra(n: number, rng: Rng): Float32Array {
    const D = this.ownTerms.length;
    const out = new Float32Array(n * D);
    for (let i = 0; i < n; i++) {
      this.rotors.forEach((c, j) => {
        out[i * D + c] = (rng.int(ROTOR_FOLD) - 1) * this.shifts[j]!;
      });
    }
    return out;
  }

  /** u = v + shift; log q gains the mixture's term in place of the Gaussian's −½ε² at the rotors. */
  push(v: tf.Tensor2D, _z: tf.Tensor2D, eps: tf.Tensor2D, stats: DecoderStats, extra?: Float32Array): DensityDraw {
    const u = tf.add(v, tf.tensor2d(extra!, v.shape)) as tf.Tensor2D;
    return { u, adjust: (logQ) => tf.add(logQ, this.rotorTerm(eps, stats.logVariance)) as tf.Tensor1D };
  }

  /**
   * The Gaussian's quadratic term at the other coordinates (masked, not subtracted, so a rotor far
   * from μ leaves no float32 residue), the mixture's at the rotors.
   */
  logDensity(u: tf.Tensor2D, _z: tf.Tensor2D, stats: DecoderStats): tf.Tensor1D {
    const residual = this.wrap(tf.sub(u, stats.mean) as tf.Tensor2D);
    const eps = tf.mul(residual, tf.exp(tf.mul(stats.logVariance, -0.5))) as tf.Tensor2D;
    const quad = tf.sum(tf.mul(tf.square(eps), this.gaussianMask), 1);
    const lv = stats.logVariance;
    const lvSum = this.sharedVariance ? tf.sum(lv) : tf.sum(lv, 1);
    const gauss = tf.sub(tf.mul(tf.add(quad, lvSum), -0.5), 0.5 * this.ownTerms.length * LOG_2PI);
    return tf.add(gauss, this.rotorTerm(eps, lv)) as tf.Tensor1D;
  }

  represent(mean: tf.Tensor2D): tf.Tensor2D {
    return mean;
  }

  variables(): tf.Variable[] {
    return [];
  }

  dispose(): void {
    tf.dispose([this.period, this.gaussianMask]);
  }

  /**
   * Σ over rotors of log[(1/3) Σ_m exp(−½ (ε + m a)²)], a = 2π/(3 s σ), per row: what replaces
   * the Gaussian's −½ ε² there. ε is the n × D standardised residual (u − μ)/σ.
   */
  private rotorTerm(eps: tf.Tensor2D, logVariance: tf.Tensor2D): tf.Tensor1D {
    if (this.fused && rowOpsEnabled()) return rotorTermOp(eps, logVariance, this.rotors, this.shifts, this.images);
    const epsR = this.rotorColumns(eps);
    const a = tf.mul(this.period, tf.exp(tf.mul(this.rotorColumns(logVariance), -0.5))) as tf.Tensor2D;
    return tf.sum(rotorLogMixture(epsR, a, this.images), 1) as tf.Tensor1D;
  }

  /** The rotor columns of an n × D tensor, n × R; slices, because gather's gradient has no wasm kernel. */
  private rotorColumns(t: tf.Tensor2D): tf.Tensor2D {
    const cols = this.rotors.map((i) => tf.slice(t, [0, i], [t.shape[0], 1]));
    return (cols.length === 1 ? cols[0]! : tf.concat(cols, 1)) as tf.Tensor2D;
  }
}
