import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { createVaeModel, unclampLogVariance, type VaeModel, type VaeOptionsInput } from './index.js';
import { LOG_2PI } from './gaussian.js';
import { LOGIT_SCALE } from './prior-mixture.js';
import { byName, fixMixtureWithBlindEncoder, gaussianRows, setupBackend } from './setup.test.util.js';

before(setupBackend);

const base: VaeOptionsInput = {
  latentDim: 2,
  decoderHidden: [6],
  encoderHidden: [5],
  encoderActivations: ['tanh'],
  outputScales: [0.1, 1, 0.5],
  finalLayerScale: 1,
};
const ctx = { dimension: 3, seed: 6, outputMean: [1, -3, 0.2] };

/**
 * Mean and standard error of g(y) e^(−ℓ) over draws y ~ q with ℓ = logProbEstimate(y, K, drawn z),
 * g a Gaussian as broad as the draws. On the space of (y, z_1..K) the weight is exact, so the mean
 * is 1 for every K; only its spread depends on K.
 */
function ratioMoments(model: VaeModel, n: number, K: number, seed: number): { mean: number; se: number } {
  const { y, ell } = tf.tidy(() => {
    const d = model.draw(n, createRng(seed));
    return { y: d.y.dataSync(), ell: model.logProbEstimate(d.y, createRng(seed + 100), K, d.z).dataSync() };
  });
  const mean = [0, 1, 2].map((j) => Array.from({ length: n }, (_, i) => y[3 * i + j]!).reduce((a, v) => a + v, 0) / n);
  const sd = [0, 1, 2].map((j) =>
    Math.sqrt(Array.from({ length: n }, (_, i) => (y[3 * i + j]! - mean[j]!) ** 2).reduce((a, v) => a + v, 0) / n),
  );
  const logG = gaussianRows(y, mean, sd);
  const r = Array.from(logG, (l, i) => Math.exp(l - ell[i]!));
  const m = r.reduce((a, v) => a + v, 0) / n;
  const variance = r.reduce((a, v) => a + (v - m) ** 2, 0) / (n - 1);
  return { mean: m, se: Math.sqrt(variance / n) };
}

for (const circular of [false, true]) {
  test(`logProbEstimate with K = 1 and the drawn z is the draw's own ℓ (plain prior${circular ? '; a torsion whose decoder mean lies past π' : ''})`, () => {
    const model = createVaeModel(
      { ...base, ...(circular ? { circular: [1], outputScales: [0.1, 1, 0.5] } : {}), scope: `t-ie-1${circular}` },
      { ...ctx, outputMean: [1, 0, 0.2] },
    );
    try {
      if (circular) {
        // Coordinate 1 is an angle: its decoder mean sits at 3.5 rad, so draws land past +π and are
        // wrapped to about −2.78 when their density is taken; the residual must not jump by 2π.
        byName(model, '/decoder/mean/bias').assign(tf.tensor1d([0, 3.5, 0]));
        byName(model, '/decoder/logvar').assign(tf.tensor1d([0, unclampLogVariance(Math.log(0.01)), 0]));
      }
      const n = 500;
      const { logQ, est, y } = tf.tidy(() => {
        const d = model.draw(n, createRng(2));
        return {
          logQ: d.logQ.dataSync(),
          est: model.logProbEstimate(d.y, createRng(5), 1, d.z).dataSync(),
          y: d.y.dataSync(),
        };
      });
      if (circular)
        assert.ok(
          Array.from({ length: n }, (_, i) => y[3 * i + 1]!).filter((v) => v > Math.PI).length > n / 2,
          'most draws of the angle lie past π',
        );
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(logQ[i]! - est[i]!));
      assert.ok(worst < 2e-3, `K = 1 with the drawn z deviates from the draw's ℓ by up to ${worst}`);
    } finally {
      model.dispose();
    }
  });
}

for (const componentDecoder of [true, false]) {
  test(`logProbEstimate: E_q[g(y) e^(−ℓ_K)] = 1 for K = 1, 4, 16, with a spread that falls as K grows (mixture prior, componentDecoder ${componentDecoder})`, () => {
    const model = createVaeModel(
      {
        ...base,
        priorMixture: { components: 3, spread: 1.5, std: 0.6, componentDecoder },
        scope: `t-ie-m${componentDecoder}`,
      },
      ctx,
    );
    try {
      // An encoder that ignores y: far from each y's posterior, so the K = 1 weights are noisy.
      fixMixtureWithBlindEncoder(model, LOGIT_SCALE);
      const n = 40_000;
      const se: number[] = [];
      for (const K of [1, 4, 16]) {
        const r = ratioMoments(model, n, K, 3);
        assert.ok(Math.abs(r.mean - 1) < 4 * r.se + 2e-3, `K = ${K}: E[g e^(−ℓ)] = ${r.mean} ± ${r.se}, expected 1`);
        se.push(r.se);
      }
      assert.ok(
        se[1]! < 0.8 * se[0]! && se[2]! < 0.8 * se[1]!,
        `the spread should fall with K: standard errors ${se.join(', ')}`,
      );
    } finally {
      model.dispose();
    }
  });
}

test('logProbEstimate converges to log q(y) = log ∫ p(z) q(y|z) dz (quadrature, d = 1); K = 1 without z is the evidence bound on average', () => {
  const model = createVaeModel(
    {
      latentDim: 1,
      decoderHidden: [6],
      encoderHidden: [5],
      encoderActivations: ['tanh'],
      finalLayerScale: 1,
      scope: 't-ie-q',
    },
    { dimension: 2, seed: 4 },
  );
  try {
    const hz = 0.01;
    const zGrid = Array.from({ length: Math.round(14 / hz) + 1 }, (_, i) => -7 + i * hz);
    for (const target of [
      [0.3, 0.1],
      [0.9, -0.4],
    ]) {
      const nz = zGrid.length;
      const lq = tf.tidy(() =>
        model
          .decoderLogDensity(
            tf.tensor2d(
              Float32Array.from({ length: nz * 2 }, (_, i) => target[i % 2]!),
              [nz, 2],
            ),
            tf.tensor2d(Float32Array.from(zGrid), [nz, 1]),
          )
          .dataSync(),
      );
      const logJoint = zGrid.map((zv, i) => lq[i]! - 0.5 * zv * zv - 0.5 * LOG_2PI);
      const mx = Math.max(...logJoint);
      const logQy = mx + Math.log(logJoint.reduce((a, l) => a + Math.exp(l - mx), 0) * hz);
      const reps = 64;
      const y = tf.tensor2d(
        Float32Array.from({ length: reps * 2 }, (_, i) => target[i % 2]!),
        [reps, 2],
      );
      const many = tf.tidy(() => model.logProbEstimate(y, createRng(7), 2000).dataSync());
      const one = tf.tidy(() => model.logProbBound(y, createRng(8)).dataSync());
      const oneEst = tf.tidy(() => model.logProbEstimate(y, createRng(8), 1).dataSync());
      y.dispose();
      const meanMany = Array.from(many).reduce((a, v) => a + v, 0) / reps;
      assert.ok(
        Math.abs(meanMany - logQy) < 0.02,
        `y = ${target}: K = 2000 gives ${meanMany}, quadrature log q(y) ${logQy}`,
      );
      // Same noise, same z: K = 1 is the one-sample evidence bound logProbBound computes.
      for (let i = 0; i < reps; i++)
        assert.ok(Math.abs(one[i]! - oneEst[i]!) < 2e-3, `row ${i}: bound ${one[i]}, K = 1 estimate ${oneEst[i]}`);
      assert.ok(
        Array.from(one).reduce((a, v) => a + v, 0) / reps < logQy,
        'the one-sample bound lies below log q(y) on average',
      );
    }
  } finally {
    model.dispose();
  }
});

test('logProbEstimate refuses a sample count below 1 and a z of the wrong shape', () => {
  const model = createVaeModel({ ...base, scope: 't-ie-e' }, ctx);
  try {
    const y = tf.zeros([4, 3]) as tf.Tensor2D;
    assert.throws(() => model.logProbEstimate(y, createRng(1), 0), /whole number of latent samples ≥ 1, got 0/);
    assert.throws(
      () => model.logProbEstimate(y, createRng(1), 2, tf.zeros([3, 2]) as tf.Tensor2D),
      /as many rows of z as of y, got 3 and 4/,
    );
    y.dispose();
  } finally {
    model.dispose();
  }
});
