import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng, setRowOpsEnabled } from '@embedcg/core';
import { createVaeModel, type VaeOptionsInput } from './index.js';
import { componentLatent, labelLogStdSum, labelLogWeight } from './prior-mixture-ops.js';
import { gaussianLogDensityRows, gaussianLogDensityTf } from './gaussian.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

const rng = createRng(21);
const normals = (n: number) => rng.fillNormal(new Float32Array(n)) as Float32Array;
const [K, d, n] = [4, 3, 203];
const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % K);
const oneHot = () => {
  const m = new Float32Array(n * K);
  labels.forEach((k, i) => (m[i * K + k] = 1));
  return tf.tensor2d(m, [n, K]);
};

/** Values and gradients (w.r.t. every input) of a fused op and of the composition it replaces, within 1e-5 relative. */
function assertSameAsComposition(
  inputs: tf.Tensor[],
  fused: (...xs: tf.Tensor[]) => tf.Tensor,
  composed: (...xs: tf.Tensor[]) => tf.Tensor,
  label: string,
): void {
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++)
      assert.ok(
        Math.abs(a[i]! - b[i]!) <= 1e-5 * Math.max(1, Math.abs(b[i]!)),
        `${label} ${what}[${i}]: ${a[i]} vs ${b[i]}`,
      );
  };
  tf.tidy(() => {
    const probe = tf.tensor(normals(fused(...inputs).size), fused(...inputs).shape);
    close(fused(...inputs).dataSync(), composed(...inputs).dataSync(), 'value');
    const loss =
      (f: (...xs: tf.Tensor[]) => tf.Tensor) =>
      (...xs: tf.Tensor[]) =>
        tf.sum(tf.mul(tf.sin(f(...xs)), probe));
    const a = tf.grads(loss(fused))(inputs);
    const b = tf.grads(loss(composed))(inputs);
    a.forEach((g, i) => close(g.dataSync(), b[i]!.dataSync(), `gradient ${i}`));
  });
}

test('componentLatent: a_k + exp(s_k) ζ and its gradients, as the one-hot composition', () => {
  const zeta = normals(n * d);
  const a = tf.tensor2d(normals(K * d), [K, d]);
  const s = tf.tensor2d(
    normals(K * d).map((v) => 0.3 * v),
    [K, d],
  );
  assertSameAsComposition(
    [a, s],
    (c, l) => componentLatent(c, l, zeta, labels),
    (c, l) =>
      tf.add(
        tf.matMul(oneHot(), c as tf.Tensor2D),
        tf.mul(tf.exp(tf.matMul(oneHot(), l as tf.Tensor2D)), tf.tensor2d(zeta, [n, d])),
      ),
    'componentLatent',
  );
});

test('labelLogWeight: log softmax(10·l)_k and its gradient, as the composition', () => {
  const logits = tf.tensor1d(normals(K).map((v) => 0.2 * v));
  assertSameAsComposition(
    [logits],
    (l) => labelLogWeight(l, labels, 10),
    (l) => tf.sum(tf.mul(oneHot(), tf.logSoftmax(tf.mul(l, 10)).reshape([1, K])), 1),
    'labelLogWeight',
  );
});

test('labelLogStdSum: Σ_j s_kj and its gradient, as the composition', () => {
  const s = tf.tensor2d(normals(K * d), [K, d]);
  assertSameAsComposition(
    [s],
    (l) => labelLogStdSum(l, labels),
    (l) => tf.sum(tf.matMul(oneHot(), l as tf.Tensor2D), 1),
    'labelLogStdSum',
  );
});

test('gaussianLogDensityRows: the fused op equals gaussianLogDensityTf, values and gradients', () => {
  const t = () => tf.tensor2d(normals(n * d), [n, d]);
  assertSameAsComposition(
    [t(), t(), t()],
    (x, m, lv) => gaussianLogDensityRows(x as tf.Tensor2D, m as tf.Tensor2D, lv as tf.Tensor2D, true),
    (x, m, lv) => gaussianLogDensityTf(x as tf.Tensor2D, m as tf.Tensor2D, lv as tf.Tensor2D),
    'gaussianLogDensityRows',
  );
});

const options: VaeOptionsInput = {
  latentDim: 2,
  decoderHidden: [6],
  encoderHidden: [5],
  encoderActivations: ['tanh'],
  outputScales: [0.1, 1, 0.5],
  priorMixture: { components: 3, componentDecoder: true, balance: 0.3 },
};

test('a component-aware mixture VAE draws the same with the fused prior ops as with the composed ones', () => {
  const ctx = { dimension: 3, seed: 6, outputMean: [1, -3, 0.2] };
  const run = (fused: boolean) => {
    const model = createVaeModel(options, { ...ctx, fused });
    try {
      const { value, grads } = tf.variableGrads(() => {
        const dr = model.draw(64, createRng(5), { training: true });
        const energy = tf.sum(tf.square(tf.sub(dr.y, tf.tensor2d([[1, -2, 0]]))), 1);
        return tf.mean(
          tf.add(tf.mul(tf.exp(dr.proposalLogRatio!), tf.add(dr.logQ, energy)), dr.proposalLogRatio!),
        ) as tf.Scalar;
      }, model.variables());
      const dr = tf.tidy(() => {
        const x = model.draw(64, createRng(5), { training: true });
        return { y: x.y, logQ: x.logQ, ratio: x.proposalLogRatio! };
      });
      const out = {
        loss: value.dataSync()[0]!,
        y: dr.y.dataSync(),
        logQ: dr.logQ.dataSync(),
        ratio: dr.ratio.dataSync(),
        grads: model.variables().map((v) => [v.name, grads[v.name]!.dataSync()] as const),
      };
      tf.dispose([value, grads, dr]);
      return out;
    } finally {
      model.dispose();
    }
  };
  const fused = run(true);
  setRowOpsEnabled(false);
  const composed = run(false);
  const composedSwitchedOff = run(true);
  setRowOpsEnabled(true);
  const near = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
    for (let i = 0; i < a.length; i++)
      assert.ok(Math.abs(a[i]! - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  };
  near(fused.y, composed.y, 1e-5, 'y');
  near(fused.logQ, composed.logQ, 1e-4, 'ℓ');
  near(fused.ratio, composed.ratio, 1e-6, 'log π/P̃');
  near([fused.loss], [composed.loss], 1e-5, 'loss');
  fused.grads.forEach(([name, g], i) => near(g, composed.grads[i]![1], 1e-3, `gradient ${name}`));
  // The benchmark switch composes the prior's terms as the unfused path does (its activations stay SIMD kernels).
  near(composedSwitchedOff.logQ, composed.logQ, 1e-5, 'ℓ, row ops switched off');
  near(composedSwitchedOff.ratio, composed.ratio, 0, 'log π/P̃, row ops switched off');
});
