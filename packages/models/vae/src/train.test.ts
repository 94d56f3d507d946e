import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import '@embedcg/core/tf';
import { createVaeModel, type VaeModel } from './index.js';
import { fitCorrelatedGaussian } from './gaussian-fit.test.util.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

test('training with Adam closes the reverse-KL bound gap on a correlated Gaussian', () => {
  const model: VaeModel = createVaeModel(
    { latentDim: 1, decoderHidden: [32], encoderHidden: [32], encoderActivations: ['selu'] },
    { dimension: 2, seed: 3 },
  );
  try {
    const { before, after } = fitCorrelatedGaussian(model, 600);
    assert.ok(before > 1, `the initial model should be far from the target (gap ${before})`);
    // The gap is a KL divergence: ≥ 0 up to Monte-Carlo noise (~0.01 at n = 4000).
    assert.ok(after > -0.03, `bound gap ${after} is below zero beyond noise: the bound is not an upper bound`);
    assert.ok(after < 0.1, `bound gap after training ${after} nats (was ${before})`);
  } finally {
    model.dispose();
  }
});
