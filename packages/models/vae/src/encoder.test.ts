import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { Encoder } from './encoder.js';
import { softClampLogVariance64 } from './log-variance.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

test('encoder without hidden layers: mean u·W + b and clamped log-variance, exactly; hidden coordinates are unseen', () => {
  const enc = new Encoder('t-enc', createRng(3), 3, 1, [], [], [1]);
  try {
    const [meanW, meanB, lvW, lvB] = enc.variables().map((v) => Array.from(v.dataSync()));
    assert.deepEqual(
      enc.variables().map((v) => v.name),
      [
        't-enc/encoder/mean/kernel',
        't-enc/encoder/mean/bias',
        't-enc/encoder/logvar/kernel',
        't-enc/encoder/logvar/bias',
      ],
    );
    const u = [0.3, 5, -1.2];
    const seen = [0.3, 0, -1.2]; // coordinate 1 is hidden
    const dot = (w: number[], b: number[]) => seen.reduce((a, x, i) => a + x * w[i]!, b[0]!);
    const { mean, logVariance, other } = tf.tidy(() => {
      const out = enc.apply(tf.tensor2d([u]));
      const moved = enc.apply(tf.tensor2d([[0.3, -7, -1.2]]));
      return {
        mean: out.mean.dataSync()[0]!,
        logVariance: out.logVariance.dataSync()[0]!,
        other: moved.mean.dataSync()[0]!,
      };
    });
    assert.ok(Math.abs(mean - dot(meanW!, meanB!)) < 1e-5);
    assert.ok(Math.abs(logVariance - softClampLogVariance64(dot(lvW!, lvB!))) < 1e-4);
    assert.equal(other, mean, 'a hidden coordinate does not change the CV');
  } finally {
    enc.dispose();
  }
});

test('encoder: one activation per hidden layer, and the last hidden layer is returned', () => {
  const enc = new Encoder('t-enc2', createRng(4), 2, 1, [3], ['relu'], []);
  try {
    const hidden = tf.tidy(() => Array.from(enc.apply(tf.tensor2d([[1, -2]])).hidden.dataSync()));
    const [W, b] = enc.variables().map((v) => Array.from(v.dataSync()));
    hidden.forEach((h, j) => assert.ok(Math.abs(h - Math.max(0, 1 * W![j]! - 2 * W![3 + j]! + b![j]!)) < 1e-5));
  } finally {
    enc.dispose();
  }
});
