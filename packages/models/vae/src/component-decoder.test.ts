import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { createVaeModel, type VaeModel, type VaeOptionsInput } from './index.js';
import { LOGIT_SCALE } from './prior-mixture.js';
import {
  assertMixtureGradientsMatch,
  assertSameDraws,
  byName,
  fixMixtureWithBlindEncoder,
  gaussianRows,
  setupBackend,
} from './setup.test.util.js';

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
const own = { components: 3, spread: 1.5, std: 0.6, componentDecoder: true, balance: 0.5 };

/** Mean and standard error of exp(a_i) over the rows a_i. */
function meanOfExp(values: ArrayLike<number>): { mean: number; se: number } {
  const e = Array.from(values, Math.exp);
  const mean = e.reduce((a, v) => a + v, 0) / e.length;
  const variance = e.reduce((a, v) => a + (v - mean) ** 2, 0) / (e.length - 1);
  return { mean, se: Math.sqrt(variance / e.length) };
}

test('componentDecoder: ℓ is the log ratio of q(k, z, y) to r(k|y) r(z|y), so E_q[g(y) e^(−ℓ)] = 1 for any density g, from q or from the training proposal', () => {
  // Σ_k ∫∫ q(k, z, y) · r(k|y) r(z|y) g(y) / q(k, z, y) = ∫ g = 1. Dropping −log r(k|y) from ℓ would
  // give about K instead; using the mixture's log p(z) in place of log π_k N(z; a_k) would be biased too.
  const model = createVaeModel({ ...base, priorMixture: own, scope: 't-cd-w' }, ctx);
  try {
    // A finite-variance estimate needs r(z|y) narrower than every p(z|k) and inside them all.
    fixMixtureWithBlindEncoder(model, LOGIT_SCALE);
    const n = 40_000;
    for (const training of [false, true]) {
      // A training draw picks components from P̃ = ½π + ½/K and carries b = log(π_k/P̃_k): E_P̃[e^b g e^(−ℓ)] = 1 too.
      const { y, logQ, choice } = tf.tidy(() => {
        const d = model.draw(n, createRng(3), { training });
        const ratio = d.proposalLogRatio ? d.proposalLogRatio.dataSync() : new Float32Array(n);
        return {
          y: d.y.dataSync(),
          logQ: d.logQ.dataSync().map((v, i) => v - ratio[i]!),
          choice: (d.choiceLogProb ?? d.proposalLogRatio)!.dataSync(),
        };
      });
      // g: a Gaussian as broad as the draws, so the ratio's variance stays small.
      const mean = [0, 1, 2].map(
        (j) => Array.from({ length: n }, (_, i) => y[3 * i + j]!).reduce((a, v) => a + v, 0) / n,
      );
      const sd = [0, 1, 2].map((j) =>
        Math.sqrt(Array.from({ length: n }, (_, i) => (y[3 * i + j]! - mean[j]!) ** 2).reduce((a, v) => a + v, 0) / n),
      );
      const logG = gaussianRows(y, mean, sd);
      const { mean: estimate, se } = meanOfExp(Float64Array.from(logG, (g, i) => g - logQ[i]!));
      assert.ok(se < 0.05, `standard error ${se} too large for the check to mean anything`);
      assert.ok(Math.abs(estimate - 1) < 4 * se, `E[g e^(−ℓ)] = ${estimate} ± ${se}, expected 1`);
      assert.ok(new Set(Array.from(choice, (c) => c.toFixed(4))).size === 3, 'all three components drawn');
    }
  } finally {
    model.dispose();
  }
});

test('componentDecoder: q(y|z) = Σ_k p(k|z) q(y|z, k) integrates to 1, and decode(z) uses the likeliest component', () => {
  const model = createVaeModel({ ...base, priorMixture: own, scope: 't-cd-d' }, ctx);
  const plain = createVaeModel({ ...base, priorMixture: { ...own, componentDecoder: false }, scope: 't-cd-p' }, ctx);
  try {
    // Two centres far apart, the third between them, so p(k|z) is mixed at the test point.
    byName(model, '/prior/centres').assign(
      tf.tensor2d([
        [-3, 0],
        [3, 0],
        [0, 0.5],
      ]),
    );
    const zRow = [0.3, 0.2];
    const n = 40_000;
    const rng = createRng(4);
    const centre = tf.tidy(() => Array.from(model.decode(tf.tensor2d([zRow])).dataSync()));
    const sd = [0.6, 4, 2];
    const ys = Float32Array.from({ length: 3 * n }, (_, i) => centre[i % 3]! + sd[i % 3]! * rng.normal());
    const logQ = tf.tidy(() =>
      model.decoderLogDensity(tf.tensor2d(ys, [n, 3]), tf.tile(tf.tensor2d([zRow]), [n, 1])).dataSync(),
    );
    const logG = gaussianRows(ys, centre, sd);
    const { mean, se } = meanOfExp(Float64Array.from(logQ, (q, i) => q - logG[i]!));
    assert.ok(se < 0.05 && Math.abs(mean - 1) < 4 * se, `∫ q(y|z) dy ≈ ${mean} ± ${se}`);

    // With component 1's bias zeroed the decoder there is the plain model's (same seed, same networks).
    const bias = byName(model, '/prior/decoder-bias');
    const rows = bias.arraySync() as number[][];
    bias.assign(tf.tensor2d(rows.map((r, k) => (k === 1 ? r.map(() => 0) : r))));
    const [near1, near0] = [
      [2.8, 0.1],
      [-2.9, -0.2],
    ];
    const decoded = (m: VaeModel, z: number[]) => tf.tidy(() => Array.from(m.decode(tf.tensor2d([z])).dataSync()));
    decoded(model, near1).forEach((v, j) =>
      assert.ok(Math.abs(v - decoded(plain, near1)[j]!) < 1e-5, `decode near centre 1, ${j}`),
    );
    assert.ok(
      decoded(model, near0).some((v, j) => Math.abs(v - decoded(plain, near0)[j]!) > 1e-3),
      'near centre 0 the component bias shows',
    );
  } finally {
    model.dispose();
    plain.dispose();
  }
});

test('componentDecoder: with equal centres, zero component biases and a blind classifier it is the plain mixture', () => {
  const model = createVaeModel({ ...base, priorMixture: own, scope: 't-cd-e' }, ctx);
  const plain = createVaeModel({ ...base, priorMixture: { ...own, componentDecoder: false }, scope: 't-cd-q' }, ctx);
  try {
    assert.equal(model.variables().length, plain.variables().length + 4);
    for (const v of plain.variables())
      assert.deepEqual(
        Array.from(byName(model, v.name.replace('t-cd-q', '')).dataSync()),
        Array.from(v.dataSync()),
        v.name,
      );
    for (const m of [model, plain]) byName(m, '/prior/centres').assign(tf.fill([3, 2], 0.4));
    for (const suffix of [
      '/prior/decoder-bias',
      '/prior/decoder-offset',
      '/prior/classifier/kernel',
      '/prior/classifier/bias',
    ]) {
      const v = byName(model, suffix);
      v.assign(tf.zerosLike(v));
    }
    assertSameDraws(model, plain);
    const y = tf.tensor2d([
      [1.05, -2.5, 0.3],
      [0.9, -3.2, 0],
    ]);
    const bounds = [model, plain].map((m) => tf.tidy(() => Array.from(m.logProbBound(y, createRng(1)).dataSync())));
    y.dispose();
    bounds[0]!.forEach((v, i) =>
      assert.ok(Math.abs(v - bounds[1]![i]!) < 1e-3, `bound ${i}: ${v} vs ${bounds[1]![i]}`),
    );
    assert.deepEqual((model.metadata().options as { priorMixture?: unknown }).priorMixture, own);
  } finally {
    model.dispose();
    plain.dispose();
  }
});

test('componentDecoder: gradients of ℓ, of log π_k and of logProbBound match central differences', () => {
  assertMixtureGradientsMatch(() => createVaeModel({ ...base, priorMixture: own, scope: 't-cd-g' }, ctx));
});

test('componentDecoder: a non-boolean is a clear error', () => {
  assert.throws(
    () =>
      createVaeModel(
        { ...base, priorMixture: { components: 2, componentDecoder: 'yes' as never }, scope: 't-cd-x' },
        ctx,
      ),
    /option priorMixture.componentDecoder must be true or false, got "yes"/,
  );
});
