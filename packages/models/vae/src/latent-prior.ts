/**
 * The prior p(z) over the latent CVs: what a draw needs of it and what the bounds evaluate. Two
 * kinds: the standard normal N(0, I_d) here (Schöberl, Zabaras & Koutsourelakis), and the learnable
 * Gaussian mixture of option `priorMixture` (prior-mixture.ts).
 */
import * as tf from '@embedcg/core/tf';
import type { ModelDraw, Rng } from '@embedcg/core';
import { LOG_2PI } from './gaussian.js';

/** The discrete choices of one draw (a mixture's components); absent for the standard normal. */
export interface PriorChoice {
  labels: Int32Array;
  /** With a balanced training draw: the proposal the labels were drawn from. */
  proposal?: Float64Array;
}

/** A draw's results before the prior's own terms. */
export interface DrawParts {
  y: tf.Tensor2D;
  logQ: tf.Tensor1D;
  z: tf.Tensor2D;
}

export interface LatentPrior {
  variables(): tf.Variable[];
  /** log p(z) per row of z (n × d). */
  logDensity(z: tf.Tensor2D): tf.Tensor1D;
  /**
   * The draw's parameter-free part of log p(z) for row `row` of the standard normals ζ (n × d, row-major),
   * in Float64; the rest (the parameters' part) is added by {@link finishDraw}.
   */
  fixedLogDensity(zeta: Float32Array, row: number, d: number): number;
  /** The draw's discrete choices, from `rng` after every other random number of the draw. */
  choose(n: number, rng: Rng, training: boolean): PriorChoice | undefined;
  /** z from the draw's standard normals ζ (n × d) and its choices, reparameterised. */
  latent(zeta: tf.Tensor2D, choice: PriorChoice | undefined): tf.Tensor2D;
  /** The n × K one-hot component rows the decoder sees (component-aware mixture), else undefined. */
  decoderComponent(choice: PriorChoice | undefined): tf.Tensor2D | undefined;
  /** The draw with the prior's parameter-dependent terms added to logQ (and the choice's log-probability). */
  finishDraw(
    parts: DrawParts,
    choice: PriorChoice | undefined,
    encoderHidden: tf.Tensor2D,
    component: tf.Tensor2D | undefined,
  ): ModelDraw;
  dispose(): void;
}

/** −½|ζ|² − (d/2) log 2π of row `row` of the standard normals ζ (n × d, row-major), in Float64. */
export function standardNormalLogDensity(zeta: Float32Array, row: number, d: number): number {
  let zz = 0;
  for (let k = 0; k < d; k++) zz += zeta[row * d + k]! ** 2;
  return -0.5 * zz - 0.5 * d * LOG_2PI;
}

/** z ~ N(0, I_d): no parameters, so all of log p(z) is summed in Float64 by the draw. */
export class StandardNormalPrior implements LatentPrior {
  variables(): tf.Variable[] {
    return [];
  }

  logDensity(z: tf.Tensor2D): tf.Tensor1D {
    return tf.sub(tf.mul(tf.sum(tf.square(z), 1), -0.5), 0.5 * z.shape[1] * LOG_2PI) as tf.Tensor1D;
  }

  /** −½|ζ|² − (d/2) log 2π, the 2π term included (it cancels against log r's, which is also kept whole). */
  fixedLogDensity(zeta: Float32Array, row: number, d: number): number {
    return standardNormalLogDensity(zeta, row, d);
  }

  choose(): undefined {
    return undefined;
  }

  latent(zeta: tf.Tensor2D): tf.Tensor2D {
    return zeta;
  }

  decoderComponent(): undefined {
    return undefined;
  }

  finishDraw(parts: DrawParts): ModelDraw {
    return parts;
  }

  dispose(): void {}
}
