// Each objective against its closed form on a four-row batch whose second row the energy guard
// dropped: the weights or coefficients it derives, the value of its contribution to the loss, and
// (where the term exists for it) the gradient it passes on.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { selectBackend } from '../../backend.js';
import type { ModelDraw } from '../../contracts/model.js';
import { normalizedWeights } from '../../util/stats.js';
import { batchWeights, LossSum, type BatchNumbers, type Objective, type TapedBatch } from './objective.js';
import { reverseKL } from './reverse-kl.js';
import { renyi } from './renyi.js';
import { forwardKL } from './forward-kl.js';
import { scoreFunction, scoreCoefficients } from './score-function.js';
import { weightedLikelihood } from './reweighting.js';
import { batch, logw, mask, perAll, ratio, y } from './batch-fixture.test.util.js';

before(async () => {
  await selectBackend('wasm');
});

const per = [1.5, 0.25, 2]; // ℓ + βU = −log w of the kept rows

/** Σ_i a_i b_i. */
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i]!, 0);
/** Kept-row values spread over the batch (0 at the dropped row). */
const spread = (kept: ArrayLike<number>) => [kept[0]!, 0, kept[1]!, kept[2]!];
const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-5 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** The loss the prepared terms build, and its gradient in θ, where ℓ + βU = θ·perAll (θ = 1). */
function run(
  b: BatchNumbers,
  objectives: Objective<BatchNumbers, TapedBatch>[],
  draw: Partial<ModelDraw> = {},
  logQ?: (y: tf.Tensor2D) => tf.Tensor1D,
) {
  const theta = tf.variable(tf.scalar(1));
  const terms = objectives.flatMap((o) => o.prepare(b) ?? []);
  const { value, grads } = tf.variableGrads(() => {
    const taped: TapedBatch = {
      perSample: tf.mul(theta, tf.tensor1d(perAll)) as tf.Tensor1D,
      draw: { y: tf.zeros([4, 2]), logQ: tf.zeros([4]), ...draw } as ModelDraw,
      logQ: logQ ?? ((t) => tf.zeros([t.shape[0]])),
    };
    const sum = new LossSum();
    for (const t of terms) t.addTo(sum, taped);
    return sum.value;
  }, [theta]);
  const out = {
    value: value.dataSync()[0]!,
    dTheta: grads[theta.name]!.dataSync()[0]!,
    reports: terms.map((t) => t.report?.() ?? {}),
  };
  terms.forEach((t) => t.dispose());
  tf.dispose([value, grads, theta]);
  return out;
}

test('batchWeights: self-normalised (q/proposal)·w^p of the kept rows, 0 where dropped; klShare mixes in power 0', () => {
  const b = batch({ ratio });
  const p = 0.5;
  const wp = normalizedWeights(logw.map((v, j) => p * v + ratio[j]!));
  assert.deepEqual(Array.from(batchWeights(b, p)), Array.from(Float32Array.from(spread(wp))));
  const w0 = normalizedWeights(ratio);
  const mixed = Array.from(wp, (v, j) => 0.25 * v + 0.75 * w0[j]!);
  assert.deepEqual(Array.from(batchWeights(b, p, true, 0.75)), Array.from(Float32Array.from(spread(mixed))));
  const noRatio = normalizedWeights(logw.map((v) => p * v));
  assert.deepEqual(Array.from(batchWeights(b, p, false)), Array.from(Float32Array.from(spread(noRatio))));
});

test('reverse KL: the mean of ℓ + βU over the kept rows; with a proposal the (q/proposal)-weighted mean', () => {
  const plain = run(batch(), [reverseKL({ balanced: false })]);
  close(plain.value, (1.5 + 0.25 + 2) / 3, 'value');
  close(plain.dTheta, (1.5 + 0.25 + 2) / 3, '∂/∂θ');
  const b = batch({ ratio, proposalLogRatio: [0.3, 5, -0.2, 0.1] });
  const w = normalizedWeights(ratio);
  const weighted = run(b, [reverseKL({ balanced: false })]);
  close(weighted.value, dot(w, per), 'weighted value');
  assert.equal(
    reverseKL({ balanced: false }).prepare(batch({ renyiPower: 0.5 })),
    undefined,
    'α < 1 is the Rényi bound’s',
  );
});

test('reverse KL, balanced proposal fit: uniform pathwise weights, the choice keeps (q/proposal)’s through an inert term', () => {
  const b = batch({ ratio, proposalLogRatio: [0.3, 5, -0.2, 0.1] });
  const w = normalizedWeights(ratio);
  // The taped log(q/proposal) = φ·b with φ = 1: the inert term's value is 0, its gradient in φ is Σ (w − u)·b.
  const phi = tf.variable(tf.scalar(1));
  const terms = [reverseKL({ balanced: true }).prepare(b)!];
  const { value, grads } = tf.variableGrads(() => {
    const sum = new LossSum();
    const draw = { proposalLogRatio: tf.mul(phi, tf.tensor1d([0.3, 5, -0.2, 0.1])) } as unknown as ModelDraw;
    terms[0]!.addTo(sum, { perSample: tf.tensor1d(perAll), draw, logQ: (t) => tf.zeros([t.shape[0]]) });
    return sum.value;
  }, [phi]);
  close(value.dataSync()[0]!, (1.5 + 0.25 + 2) / 3, 'value: the uniform mean (inert term 0)');
  close(
    grads[phi.name]!.dataSync()[0]!,
    dot(
      w.map((v) => v - 1 / 3),
      ratio,
    ),
    '∂/∂φ',
  );
  terms[0]!.dispose();
  tf.dispose([value, grads, phi]);
});

test('Rényi bound: rows weighted by self-normalised w^(1−α); the recorded loss is reverse KL’s mean', () => {
  const p = 0.5;
  const w = normalizedWeights(logw.map((v) => p * v));
  const r = run(batch({ renyiPower: p }), [renyi({ reverseKLShare: 0, balanced: false })]);
  close(r.value, dot(w, per), 'value');
  close(r.dTheta, dot(w, per), '∂/∂θ');
  close(r.reports[0]!.loss!, (1.5 + 0.25 + 2) / 3, 'recorded loss');
  assert.equal(renyi({ reverseKLShare: 0, balanced: false }).prepare(batch()), undefined, 'α = 1 is reverse KL’s');
});

test('Rényi bound with reverseKLShare λ: the pathwise weights are (1 − λ)·w̃ + λ/n', () => {
  const p = 0.5;
  const lambda = 0.25;
  const w = normalizedWeights(logw.map((v) => p * v));
  const mixed = Array.from(w, (v) => (1 - lambda) * v + lambda / 3);
  const r = run(batch({ renyiPower: p }), [renyi({ reverseKLShare: lambda, balanced: false })]);
  close(r.dTheta, dot(mixed, per), '∂/∂θ');
});

test('forward KL: weight · (−Σ w_i log q(y_i)), w the importance weights, recorded without the weight', () => {
  const b = batch({ ratio, proposalLogRatio: [0.3, 5, -0.2, 0.1] });
  const w = spread(normalizedWeights(logw.map((v, j) => v + ratio[j]!)));
  // log q(y) = −|y|²/2 per row.
  const logQ = (t: tf.Tensor2D) => tf.mul(-0.5, tf.sum(tf.square(t), 1)) as tf.Tensor1D;
  const rows = [0, 1, 2, 3].map((i) => -0.5 * (y[2 * i]! ** 2 + y[2 * i + 1]! ** 2));
  const forward = -dot(w, rows);
  const r = run(b, [reverseKL({ balanced: false }), forwardKL(0.5)], {}, logQ);
  close(r.reports[1]!.forwardLoss!, forward, 'recorded forward loss');
  close(r.value, dot(normalizedWeights(ratio), per) + 0.5 * forward, 'value');
  assert.equal(forwardKL(0).prepare(b), undefined);
});

test('score function: Σ c_i log P_i with c_i = (ℓ_i − mean ℓ)/n; Σ c_i exp(b_i) for a proposal', () => {
  const choice = [-0.7, -3, -0.2, -1.1];
  const c = scoreCoefficients(logw, mask, 0);
  const mean = logw.reduce((s, v) => s + v, 0) / 3;
  assert.deepEqual(Array.from(c), Array.from(Float32Array.from(spread(logw.map((v) => -(v - mean) / 3)))));
  const term = (b: BatchNumbers, draw: Partial<ModelDraw>) => {
    const t = scoreFunction.prepare(b)!;
    const sum = new LossSum();
    t.addTo(sum, { perSample: tf.zeros([4]), draw: draw as ModelDraw, logQ: (x) => tf.zeros([x.shape[0]]) });
    const v = sum.value.dataSync()[0]!;
    t.dispose();
    return v;
  };
  close(term(batch({ hasChoice: true }), { choiceLogProb: tf.tensor1d(choice) }), dot(c, choice), 'choiceLogProb');
  const b = [0.3, 5, -0.2, 0.1];
  const withProposal = batch({ ratio, proposalLogRatio: b });
  const value = term(withProposal, { proposalLogRatio: tf.tensor1d(b) });
  const shift = Math.max(...ratio);
  const S = ratio.reduce((s, v) => s + Math.exp(v - shift), 0);
  const fbar = logw.reduce((s, v, j) => s - v * Math.exp(ratio[j]! - shift), 0) / S;
  const coef = spread(logw.map((v) => ((-v - fbar) / S) * Math.exp(-shift)));
  close(value, dot(coef, b.map(Math.exp)), 'proposal');
  assert.equal(scoreFunction.prepare(batch()), undefined, 'no choice, no term');
});

test('weighted maximum likelihood: −mean log q over the resampled rows', () => {
  const rows = Float32Array.from(y);
  const term = weightedLikelihood.prepare({ rows, n: 4, dimension: 2 });
  const sum = new LossSum();
  term.addTo(sum, { logQ: (t) => tf.mul(-0.5, tf.sum(tf.square(t), 1)) as tf.Tensor1D });
  const expected =
    -[0, 1, 2, 3].map((i) => -0.5 * (y[2 * i]! ** 2 + y[2 * i + 1]! ** 2)).reduce((s, v) => s + v, 0) / 4;
  close(sum.value.dataSync()[0]!, expected, 'value');
});

test('LossSum adds contributions in order and refuses an empty loss', () => {
  const sum = new LossSum();
  assert.throws(() => sum.value, /no objective contributed/);
  sum.add(tf.scalar(1.5));
  sum.add(tf.scalar(-0.25));
  assert.equal(sum.value.dataSync()[0], 1.25);
});
