import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '@embedcg/core';
import { createVaeModel, type VaeModel } from './index.js';

before(async () => {
  const backend = process.env.EMBEDCG_TF_BACKEND ?? 'wasm';
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  tf.enableProdMode();
  assert.ok(await tf.setBackend(backend), `tfjs backend ${backend} failed to initialise`);
});

/**
 * Reverse KL to a correlated Gaussian p = N(c, Σ) in 2-D (β = 1, U = ½ (y−c)ᵀ Σ⁻¹ (y−c)).
 * L = E[ℓ + U] ≥ −log Z, with equality only when q(y) = p and r is the exact posterior, so
 * L + log Z measures how well training went in nats.
 */
test('training with Adam closes the reverse-KL bound gap on a correlated Gaussian', () => {
  const c = [1.0, -0.5];
  // Σ = [[0.09, 0.06], [0.06, 0.09]]: correlated, so a 1-D latent must find the long axis.
  const S = [[0.09, 0.06], [0.06, 0.09]];
  const det = S[0]![0]! * S[1]![1]! - S[0]![1]! * S[1]![0]!;
  const P = [[S[1]![1]! / det, -S[0]![1]! / det], [-S[1]![0]! / det, S[0]![0]! / det]];
  const logZ = 0.5 * Math.log((2 * Math.PI) ** 2 * det);
  const precision = tf.tensor2d(P);
  const centre = tf.tensor1d(c);
  const energy = (y: tf.Tensor2D) => {
    const d = tf.sub(y, centre);
    return tf.mul(tf.sum(tf.mul(tf.matMul(d, precision), d), 1), 0.5);
  };
  const model: VaeModel = createVaeModel(
    { latentDim: 1, decoderHidden: [32], encoderHidden: [32], encoderActivations: ['selu'] },
    { dimension: 2, seed: 3 },
  );
  const gap = (n: number, seed: number) => tf.tidy(() => {
    const { y, logQ } = model.draw(n, createRng(seed));
    return tf.mean(tf.add(logQ, energy(y))).dataSync()[0]! + logZ;
  });
  try {
    const before = gap(4000, 100);
    const optimizer = tf.train.adam(2e-2);
    const rng = createRng(7);
    for (let step = 0; step < 600; step++) {
      const cost = optimizer.minimize(() => {
        const { y, logQ } = model.draw(128, rng);
        return tf.mean(tf.add(logQ, energy(y))) as tf.Scalar;
      }, true, model.variables());
      assert.ok(Number.isFinite(cost!.dataSync()[0]!), `loss is not finite at step ${step}`);
      cost!.dispose();
    }
    optimizer.dispose();
    const after = gap(4000, 101);
    assert.ok(before > 1, `the initial model should be far from the target (gap ${before})`);
    // The gap is a KL divergence: ≥ 0 up to Monte-Carlo noise (~0.01 at n = 4000).
    assert.ok(after > -0.03, `bound gap ${after} is below zero beyond noise: the bound is not an upper bound`);
    assert.ok(after < 0.1, `bound gap after training ${after} nats (was ${before})`);
  } finally {
    model.dispose();
    tf.dispose([precision, centre]);
  }
});
