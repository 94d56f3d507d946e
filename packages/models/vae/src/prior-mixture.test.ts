import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { createVaeModel, type VaeOptionsInput } from './index.js';
import { LOGIT_SCALE } from './prior-mixture.js';
import { assertMixtureGradientsMatch, assertSameDraws, setupBackend } from './setup.test.util.js';

before(setupBackend);

const base: VaeOptionsInput = {
  latentDim: 2,
  decoderHidden: [4],
  encoderHidden: [5],
  encoderActivations: ['tanh'],
  outputScales: [0.1, 1, 0.5],
  finalLayerScale: 1,
};
const ctx = { dimension: 3, seed: 6, outputMean: [1, -3, 0.2] };
const mixture = { components: 3, spread: 1.2, std: 0.4 };

function byName(model: ReturnType<typeof createVaeModel>, suffix: string): tf.Variable {
  return model.variables().find((v) => v.name.endsWith(suffix))!;
}

/** log Σ_k π_k N(z; a_k, diag b_k²) in Float64, from the model's variables. */
function mixtureLogDensity(model: ReturnType<typeof createVaeModel>, z: number[]): number {
  const logits = Array.from(byName(model, '/prior/scaled-logits').dataSync(), (v) => v * LOGIT_SCALE);
  const centres = Array.from(byName(model, '/prior/centres').dataSync());
  const logStd = Array.from(byName(model, '/prior/logstd').dataSync());
  const d = z.length;
  const lse = (v: number[]) => {
    const m = Math.max(...v);
    return m + Math.log(v.reduce((a, x) => a + Math.exp(x - m), 0));
  };
  const logPi = logits.map((l) => l - lse(logits));
  return lse(
    logPi.map((lp, k) => {
      let s = lp - 0.5 * d * Math.log(2 * Math.PI);
      for (let j = 0; j < d; j++)
        s += -0.5 * ((z[j]! - centres[k * d + j]!) / Math.exp(logStd[k * d + j]!)) ** 2 - logStd[k * d + j]!;
      return s;
    }),
  );
}

test('priorMixture: draw picks components with probabilities π, reports log π_k, and its ℓ uses the mixture density', () => {
  const plain = createVaeModel({ ...base, scope: 't-mix-p' }, ctx);
  const model = createVaeModel({ ...base, priorMixture: mixture, scope: 't-mix-a' }, ctx);
  try {
    // The networks keep the weights of the same seed without the mixture.
    for (const v of plain.variables())
      assert.deepEqual(
        Array.from(byName(model, v.name.replace('t-mix-p', '')).dataSync()),
        Array.from(v.dataSync()),
        v.name,
      );
    assert.equal(model.variables().length, plain.variables().length + 3);
    byName(model, '/prior/scaled-logits').assign(tf.tensor1d([0.6, 0.3, 0.1].map((p) => Math.log(p) / LOGIT_SCALE)));
    const n = 6000;
    const { logQ, z, choice } = tf.tidy(() => {
      const d = model.draw(n, createRng(2));
      return {
        logQ: Array.from(d.logQ.dataSync()),
        z: Array.from(d.z!.dataSync()),
        choice: Array.from(d.choiceLogProb!.dataSync()),
      };
    });
    const freq = [0.6, 0.3, 0.1].map((p) => choice.filter((c) => Math.abs(c - Math.log(p)) < 1e-4).length / n);
    assert.ok(Math.abs(freq.reduce((a, b) => a + b, 0) - 1) < 1e-12, 'every choiceLogProb is one of the log π_k');
    [0.6, 0.3, 0.1].forEach((p, k) =>
      assert.ok(Math.abs(freq[k]! - p) < 4 * Math.sqrt((p * (1 - p)) / n), `component ${k}: ${freq[k]} vs ${p}`),
    );
    // log p(z) at drawn z against the Float64 mixture (draw and logProbBound both add this term).
    const zs = [0, 1, 2].map((i) => [z[2 * i]!, z[2 * i + 1]!]);
    const prior = model.priorMixture!;
    const got = tf.tidy(() => Array.from(prior.logDensity(tf.tensor2d(zs)).dataSync()));
    zs.forEach((zi, i) =>
      assert.ok(
        Math.abs(got[i]! - mixtureLogDensity(model, zi)) < 1e-4,
        `log p(z) ${got[i]} vs ${mixtureLogDensity(model, zi)}`,
      ),
    );
    assert.ok(logQ.every(Number.isFinite));
    // Centres 0 and widths 1 make the mixture N(0, I): the draw must then equal the plain model's.
    byName(model, '/prior/centres').assign(tf.zeros([3, 2]));
    byName(model, '/prior/logstd').assign(tf.zeros([3, 2]));
    assertSameDraws(model, plain);
    assert.deepEqual((model.metadata().options as { priorMixture?: unknown }).priorMixture, {
      ...mixture,
      componentDecoder: false,
      balance: 0.5,
    });
    assert.equal((plain.metadata().options as { priorMixture?: unknown }).priorMixture, undefined);
  } finally {
    plain.dispose();
    model.dispose();
  }
});

test("priorMixture: with the draw's choices held, gradients of ℓ and of log π_k match central differences", () => {
  assertMixtureGradientsMatch(() => createVaeModel({ ...base, priorMixture: mixture, scope: 't-mix-g' }, ctx));
});

test('priorMixture: a training draw picks components from (1 − η)π + η/K and reports log(π_k/P̃_k) instead of log π_k', () => {
  const model = createVaeModel({ ...base, priorMixture: { ...mixture, balance: 0.6 }, scope: 't-mix-b' }, ctx);
  try {
    const pi = [0.9, 0.08, 0.02];
    byName(model, '/prior/scaled-logits').assign(tf.tensor1d(pi.map((p) => Math.log(p) / LOGIT_SCALE)));
    const proposal = pi.map((p) => 0.4 * p + 0.6 / 3);
    const n = 6000;
    const { ratio, hasChoice } = tf.tidy(() => {
      const d = model.draw(n, createRng(2), { training: true });
      return { ratio: Array.from(d.proposalLogRatio!.dataSync()), hasChoice: d.choiceLogProb !== undefined };
    });
    assert.equal(hasChoice, false);
    proposal.forEach((q, k) => {
      const freq = ratio.filter((r) => Math.abs(r - Math.log(pi[k]! / q)) < 1e-4).length / n;
      assert.ok(Math.abs(freq - q) < 4 * Math.sqrt((q * (1 - q)) / n), `component ${k}: drawn ${freq}, proposal ${q}`);
    });
    // An ordinary draw still samples π and reports the choice.
    const plainDraw = tf.tidy(() => model.draw(16, createRng(2)).proposalLogRatio === undefined);
    assert.ok(plainDraw);
  } finally {
    model.dispose();
  }
});

test('priorMixture: clear errors naming the option', () => {
  const make = (priorMixture: unknown) => () =>
    createVaeModel({ ...base, priorMixture: priorMixture as never, scope: 't-mix-e' }, ctx);
  assert.throws(make({ components: 1 }), /option priorMixture.components must be ≥ 2, got 1/);
  assert.throws(make({ components: 2, spread: -1 }), /option priorMixture.spread must be > 0, got -1/);
  assert.throws(make({ components: 2, width: 1 }), /option priorMixture.width is not an option/);
  assert.throws(make(3), /option priorMixture must be an object/);
  assert.throws(
    make({ components: 2, centres: 'grid' }),
    /option priorMixture.centres was retired in 0.2.0.*see CHANGELOG/,
  );
  assert.throws(make({ components: 2, balance: 1.5 }), /option priorMixture.balance must be ≤ 1, got 1.5/);
});
