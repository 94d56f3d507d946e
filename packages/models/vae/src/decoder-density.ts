/**
 * The decoder density q_θ(u | z) in standardised units, built on the Gaussian statistics of the
 * decoder network (decoder-network.ts). Three kinds:
 *
 * - Gaussian (here): u = μ + σε, log q = log N(u; μ, σ²), with u − μ wrapped at circular coordinates;
 * - rotor (rotor-density.ts): three-fold symmetric at the methyl rotors, Gaussian elsewhere;
 * - flow (flow-decoder.ts): the Gaussian's sample pushed through a conditional spline flow.
 *
 * A draw makes v = μ + σε and sums the parameter-free −½|ε|² in Float64 (see VaeModel.draw);
 * the density turns v into u and adds what its own log q has beyond the Gaussian's.
 */
import * as tf from '@embedcg/core/tf';
import type { Rng } from '@embedcg/core';
import type { DecoderStats } from './decoder-network.js';
import { gaussianLogDensityTf } from './gaussian.js';

/** u from a draw's Gaussian sample, and the density's own change to the draw's log q. */
export interface DensityDraw {
  u: tf.Tensor2D;
  /** Turns the Gaussian's log q of the draw into this density's. */
  adjust?: (logQ: tf.Tensor1D) => tf.Tensor1D;
}

export interface DecoderDensity {
  /** 1 at the coordinates whose −½ε² the draw must leave out of its Gaussian sum (the density has its own term there). */
  readonly ownTerms: Uint8Array;
  /** Random numbers a draw takes after z and ε (the rotors' shifts), or undefined. */
  drawExtra(n: number, rng: Rng): Float32Array | undefined;
  /** u and the log-q change for the Gaussian sample v = μ + σε (ε the n × D standard normals). */
  push(v: tf.Tensor2D, z: tf.Tensor2D, eps: tf.Tensor2D, stats: DecoderStats, extra?: Float32Array): DensityDraw;
  /** log q(u | z) per row, standardised units (no −Σ log s). */
  logDensity(u: tf.Tensor2D, z: tf.Tensor2D, stats: DecoderStats): tf.Tensor1D;
  /** The representative u of q(u | z) for the decoder mean μ (decode): μ, or μ pushed through the flow. */
  represent(mean: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor2D;
  variables(): tf.Variable[];
  dispose(): void;
}

/** The diagonal Gaussian decoder of Schöberl, Zabaras & Koutsourelakis. */
export class GaussianDensity implements DecoderDensity {
  readonly ownTerms: Uint8Array;

  /** `wrap` takes standardised differences to the nearest image at circular coordinates. */
  constructor(
    dimension: number,
    private readonly wrap: (u: tf.Tensor2D) => tf.Tensor2D,
  ) {
    this.ownTerms = new Uint8Array(dimension);
  }

  drawExtra(): undefined {
    return undefined;
  }

  push(v: tf.Tensor2D): DensityDraw {
    return { u: v };
  }

  /**
   * u is wrapped onto [−π, π) at circular coordinates, μ is not (a latent skip can put it past ±π):
   * their difference is taken to the nearest image, the draw's own residual σε, which is far below
   * π. Unwrapped, a torsion drawn past −π would sit 2π from its own mean.
   */
  logDensity(u: tf.Tensor2D, _z: tf.Tensor2D, stats: DecoderStats): tf.Tensor1D {
    const residual = this.wrap(tf.sub(u, stats.mean) as tf.Tensor2D);
    return gaussianLogDensityTf(residual, tf.zerosLike(residual), stats.logVariance);
  }

  represent(mean: tf.Tensor2D): tf.Tensor2D {
    return mean;
  }

  variables(): tf.Variable[] {
    return [];
  }

  dispose(): void {}
}
