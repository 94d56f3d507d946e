/**
 * Test helper: reverse-KL training of a VAE on a correlated 2-D Gaussian p = N(c, Σ) (β = 1,
 * U = ½ (y−c)ᵀ Σ⁻¹ (y−c)). L = E[ℓ + U] ≥ −log Z, with equality only when q(y) = p and r is the
 * exact posterior, so the gap L + log Z measures in nats how well training went.
 */
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import type { VaeModel } from './index.js';

/** Trains `model` for `steps` Adam steps (lr 2e-2, batch 128); returns the bound gap before and after (n = 4000). */
export function fitCorrelatedGaussian(model: VaeModel, steps: number): { before: number; after: number } {
  const c = [1.0, -0.5];
  // Σ = [[0.09, 0.06], [0.06, 0.09]]: correlated, so a 1-D latent must find the long axis.
  const S = [
    [0.09, 0.06],
    [0.06, 0.09],
  ];
  const det = S[0]![0]! * S[1]![1]! - S[0]![1]! * S[1]![0]!;
  const P = [
    [S[1]![1]! / det, -S[0]![1]! / det],
    [-S[1]![0]! / det, S[0]![0]! / det],
  ];
  const logZ = 0.5 * Math.log((2 * Math.PI) ** 2 * det);
  const precision = tf.tensor2d(P);
  const centre = tf.tensor1d(c);
  const energy = (y: tf.Tensor2D) => {
    const d = tf.sub(y, centre);
    return tf.mul(tf.sum(tf.mul(tf.matMul(d, precision), d), 1), 0.5);
  };
  const gap = (n: number, seed: number) =>
    tf.tidy(() => {
      const { y, logQ } = model.draw(n, createRng(seed));
      return tf.mean(tf.add(logQ, energy(y))).dataSync()[0]! + logZ;
    });
  try {
    const before = gap(4000, 100);
    const optimizer = tf.train.adam(2e-2);
    const rng = createRng(7);
    for (let step = 0; step < steps; step++) {
      const cost = optimizer.minimize(
        () => {
          const { y, logQ } = model.draw(128, rng);
          return tf.mean(tf.add(logQ, energy(y))) as tf.Scalar;
        },
        true,
        model.variables(),
      );
      assert.ok(Number.isFinite(cost!.dataSync()[0]!), `loss is not finite at step ${step}`);
      cost!.dispose();
    }
    optimizer.dispose();
    return { before, after: gap(4000, 101) };
  } finally {
    tf.dispose([precision, centre]);
  }
}
