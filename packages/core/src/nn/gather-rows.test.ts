import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import '@embedcg/core/tf/backend-wasm';
import { gatherRows, rowOpsEnabled, scatterAddRows, setRowOpsEnabled } from './gather-rows.js';
import { createRng } from '../util/random.js';

function oneHot(labels: Int32Array, K: number): tf.Tensor2D {
  const m = new Float32Array(labels.length * K);
  labels.forEach((k, i) => (m[i * K + k] = 1));
  return tf.tensor2d(m, [labels.length, K]);
}

for (const backend of ['wasm', 'cpu'])
  test(`gatherRows (${backend}): the one-hot product's values to the bit, its gradient to 1e-6`, async () => {
    await tf.setBackend(backend);
    const rng = createRng(11);
    const [K, w, n] = [5, 7, 301];
    const table = tf.tensor2d(rng.fillNormal(new Float32Array(K * w)) as Float32Array, [K, w]);
    // Every label, one row never picked (its gradient must be exactly zero).
    const labels = Int32Array.from({ length: n }, (_, i) => [0, 1, 3, 4, 3, 0][i % 6]!);
    const probe = tf.tensor2d(rng.fillNormal(new Float32Array(n * w)) as Float32Array, [n, w]);
    const before = tf.memory().numTensors;
    const ours = tf.tidy(() => gatherRows(table, labels).dataSync());
    const theirs = tf.tidy(() => tf.matMul(oneHot(labels, K), table).dataSync());
    assert.deepEqual(ours, theirs);
    const g = tf.tidy(() =>
      tf
        .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.tanh(gatherRows(t as tf.Tensor2D, labels)), probe)))(table)
        .dataSync(),
    );
    const h = tf.tidy(() =>
      tf
        .grad((t: tf.Tensor) => tf.sum(tf.mul(tf.tanh(tf.matMul(oneHot(labels, K), t as tf.Tensor2D)), probe)))(table)
        .dataSync(),
    );
    for (let i = 0; i < K * w; i++)
      assert.ok(Math.abs(g[i]! - h[i]!) <= 1e-6 * (1 + Math.abs(h[i]!)), `entry ${i}: ${g[i]} vs ${h[i]}`);
    for (let j = 0; j < w; j++) assert.equal(g[2 * w + j], 0);
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  });

test('scatterAddRows sums each row into its label in Float64 and rounds once', () => {
  const big = 2 ** 24;
  // In float32, big + 1 + 1 would round back to big at each step; Float64 keeps both ones.
  const out = scatterAddRows(Float32Array.from([big, 1, 1, 5]), Int32Array.from([0, 0, 0, 2]), 3, 1);
  assert.deepEqual([...out], [big + 2, 0, 5]);
});

test('gatherRows refuses a label outside the table, naming it and its row', () => {
  const table = tf.zeros([3, 2]) as tf.Tensor2D;
  assert.throws(() => gatherRows(table, Int32Array.from([0, 3])), /label 3 at row 1 is outside the table's 3 rows/);
  assert.throws(() => gatherRows(table, Int32Array.from([-1])), /label -1 at row 0/);
  table.dispose();
});

test('setRowOpsEnabled switches the row ops off and on for every copy of core', () => {
  assert.equal(rowOpsEnabled(), true);
  setRowOpsEnabled(false);
  assert.equal(rowOpsEnabled(), false);
  setRowOpsEnabled(true);
  assert.equal(rowOpsEnabled(), true);
});
