// The exact-density checks against a diagonal Gaussian model, whose log-density is closed-form,
// and two broken variants: a sign-flipped logQ, and a density missing its normalizing constant.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { selectBackend } from '../backend.js';
import type { Model } from '../contracts/model.js';
import { API_VERSION, defineModel } from '../plugin.js';
import { checkDrawLogProb, checkNormalization, runPluginConformance } from './index.js';

before(async () => {
  await selectBackend('wasm');
});

type Flaw = 'flipped-logq' | 'unnormalized';
let count = 0;

/** q = N(μ, diag σ²) with μ_k = 0.3k − 0.2, log σ_k = 0.2k − 0.3; draw y = μ + σ ε. */
function gaussian(D: number, flaw?: Flaw): Model {
  const id = `testkit-gauss-${count++}`;
  const mu = tf.variable(tf.tensor1d(Array.from({ length: D }, (_, k) => 0.3 * k - 0.2)), true, `${id}/mu`);
  const logSigma = tf.variable(tf.tensor1d(Array.from({ length: D }, (_, k) => 0.2 * k - 0.3)), true, `${id}/logsigma`);
  const c = flaw === 'unnormalized' ? 0 : -0.5 * D * Math.log(2 * Math.PI);
  const logDensity = (eps: tf.Tensor2D) =>
    tf.add(tf.sum(tf.sub(tf.mul(tf.square(eps), -0.5), logSigma), 1), c) as tf.Tensor1D;
  return {
    name: flaw ?? 'gaussian',
    dimension: D,
    exactDensity: true,
    draw(n, rng) {
      return tf.tidy(() => {
        const eps = tf.tensor2d(rng.fillNormal(new Float32Array(n * D)) as Float32Array, [n, D]);
        const logQ = logDensity(eps);
        return {
          y: tf.add(mu, tf.mul(tf.exp(logSigma), eps)) as tf.Tensor2D,
          logQ: flaw === 'flipped-logq' ? (tf.neg(logQ) as tf.Tensor1D) : logQ,
        };
      });
    },
    logProb: (y) => tf.tidy(() => logDensity(tf.div(tf.sub(y, mu), tf.exp(logSigma)) as tf.Tensor2D)),
    variables: () => [mu, logSigma],
    metadata: () => ({ plugin: 'gaussian', dimension: D }),
    dispose: () => tf.dispose([mu, logSigma]),
  };
}

function plugin(name: string, flaw?: Flaw) {
  return defineModel<Record<string, never>>({
    name,
    version: '1.0.0',
    apiVersion: API_VERSION,
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    create: (_o, ctx) => gaussian(ctx.modelDimension ?? 1, flaw),
  });
}

test('a Gaussian model passes every model check in 1-D and 2-D, and ∫q is 1 to grid accuracy', async () => {
  for (const D of [1, 2]) {
    const results = await runPluginConformance(plugin('gaussian'), { context: { modelDimension: D } });
    assert.deepEqual(
      results.map((r) => r.check),
      [
        'descriptor and schema-valid defaults',
        'model draw',
        'determinism',
        'initialize',
        'draw logQ vs logProb',
        'normalization',
      ],
    );
    const m = gaussian(D);
    try {
      // Midpoint rule on ≥ 200 cells over ≥ 7σ of a Gaussian: error ≈ 1e-4.
      const integral = Number(/∫q = ([\d.]+)/.exec(checkNormalization(m))![1]);
      assert.ok(Math.abs(integral - 1) < 1e-3, `∫q = ${integral}`);
    } finally {
      m.dispose();
    }
  }
});

test('a sign-flipped logQ passes the old model checks and fails draw logQ vs logProb', async () => {
  const results = await runPluginConformance(plugin('flipped', 'flipped-logq'), {
    context: { modelDimension: 2 },
    throwOnFailure: false,
  });
  const failed = results.filter((r) => !r.passed).map((r) => r.check);
  assert.deepEqual(failed, ['draw logQ vs logProb']);
  const m = gaussian(2, 'flipped-logq');
  try {
    assert.throws(
      () => checkDrawLogProb(m),
      /^ConformanceError: draw logQ vs logProb: flipped-logq: sample \d+: the draw's logQ is .* but logProb of the same point is .*; 64 of 64 samples disagree$/,
    );
  } finally {
    m.dispose();
  }
});

test('a density missing its normalizing constant passes draw vs logProb and fails ∫q = 1 by (2π)^(D/2)', async () => {
  for (const D of [1, 2]) {
    const m = gaussian(D, 'unnormalized');
    try {
      checkDrawLogProb(m);
      const want = (2 * Math.PI) ** (D / 2);
      assert.throws(
        () => checkNormalization(m),
        (e: Error) => {
          const got = Number(/∫q = ([\d.]+)/.exec(e.message)?.[1]);
          assert.ok(Math.abs(got - want) < 1e-2, `∫q = ${got}, expected ${want}`);
          return /^normalization: unnormalized: ∫q = .* \(\d+ cells per coordinate\), expected 1 ± 0\.01$/.test(
            e.message,
          );
        },
      );
    } finally {
      m.dispose();
    }
  }
  const results = await runPluginConformance(plugin('unnormalized', 'unnormalized'), {
    context: { modelDimension: 1 },
    throwOnFailure: false,
  });
  assert.deepEqual(
    results.filter((r) => !r.passed).map((r) => r.check),
    ['normalization'],
  );
});

test('the density checks skip what they cannot check: 3-D grids, bounds, missing logProb', () => {
  const m = gaussian(3);
  try {
    assert.match(checkNormalization(m), /dimension 3 > 2: no grid quadrature \(skipped\)/);
    assert.match(checkDrawLogProb(m), /64 samples agree/);
    assert.match(checkDrawLogProb({ ...m, exactDensity: false }), /bound.*skipped/);
    assert.match(checkNormalization({ ...m, logProb: undefined }), /no logProb \(skipped\)/);
  } finally {
    m.dispose();
  }
});
