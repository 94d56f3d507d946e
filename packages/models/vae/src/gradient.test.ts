import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { createVaeModel, type VaeModel, type VaeOptions } from './index.js';
import { centralDifference, setupBackend } from './setup.test.util.js';

before(setupBackend);

const BETA = 0.7;
const N = 32;
const SEED = 21;

/** The reverse-KL loss mean(ℓ + β U(y)), U(y) = Σ_k a_k (y_k − c_k)² / 2, all in tfjs. */
function loss(model: VaeModel): tf.Scalar {
  const D = model.dimension;
  const a = tf.tensor1d(Array.from({ length: D }, (_, k) => 1 + k));
  const c = tf.tensor1d(Array.from({ length: D }, (_, k) => 0.3 * k - 0.5));
  const { y, logQ } = model.draw(N, createRng(SEED));
  const u = tf.mul(tf.sum(tf.mul(tf.square(tf.sub(y, c)), a), 1), 0.5);
  return tf.mean(tf.add(logQ, tf.mul(u, BETA))) as tf.Scalar;
}

/** Loss in Float64 from the float32 per-sample terms (less rounding in the differences). */
function loss64(model: VaeModel): number {
  return tf.tidy(() => loss(model).dataSync()[0]!);
}

function checkGradients(opts: Partial<VaeOptions>, dimension: number): void {
  const model = createVaeModel(opts, { dimension, seed: 4 });
  try {
    const vars = model.variables();
    const { value, grads } = tf.variableGrads(() => loss(model), vars);
    value.dispose();
    let checked = 0;
    for (const v of vars) {
      const g = grads[v.name]!.dataSync();
      const size = v.size;
      // A few entries of every variable: first, middle, last.
      for (const idx of new Set([0, Math.floor(size / 2), size - 1])) {
        const fd = centralDifference(v, idx, () => loss64(model));
        const an = g[idx]!;
        const tol = 1e-2 * Math.max(Math.abs(an), Math.abs(fd)) + 2e-3;
        assert.ok(Math.abs(an - fd) <= tol, `${v.name}[${idx}]: tf.variableGrads ${an} vs central difference ${fd}`);
        checked++;
      }
    }
    assert.ok(checked >= 3 * vars.length - vars.filter((v) => v.size < 3).length * 2);
    tf.dispose(Object.values(grads));
  } finally {
    model.dispose();
  }
}

test('loss gradients match central differences (shared variance, logsigmoid encoder layer)', () => {
  checkGradients(
    {
      latentDim: 2,
      decoderHidden: [6, 5],
      encoderHidden: [7, 4],
      encoderActivations: ['selu', 'logsigmoid'],
      finalLayerScale: 1,
    },
    4,
  );
});

test('loss gradients match central differences (variance head, outputMean, outputScale)', () => {
  checkGradients(
    {
      latentDim: 1,
      decoderHidden: [5],
      decoderActivation: 'elu',
      decoderVariance: 'head',
      initialLogVariance: -1,
      encoderHidden: [5],
      encoderActivations: ['softplus'],
      outputMean: [0.2, -0.4, 0.6],
      outputScale: 0.5,
      finalLayerScale: 1,
    },
    3,
  );
});
