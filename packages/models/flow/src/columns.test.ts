import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import '@embedcg/core/tf/backend-wasm';
import { createRng } from '@embedcg/core';
import { put, selection, take } from './columns.js';

tf.enableProdMode();

// Picking a column by a product with a 0/1 matrix adds exact zeros, so the fused copy must give
// the same numbers bit for bit, values and gradients.
for (const idx of [[4, 0, 2], [], [1]]) {
  test(`fused take/put of columns ${JSON.stringify(idx)} equal the 0/1 products exactly, values and gradients`, async () => {
    await tf.setBackend('wasm');
    const [n, D] = [7, 5];
    const rng = createRng(3);
    const x = tf.tensor2d(
      Float32Array.from({ length: n * D }, () => rng.normal()),
      [n, D],
    );
    const k = Math.max(1, idx.length);
    const z = tf.tensor2d(
      Float32Array.from({ length: n * k }, () => rng.normal()),
      [n, k],
    );
    const wD = tf.tensor2d(
      Float32Array.from({ length: n * D }, () => rng.normal()),
      [n, D],
    );
    const wk = tf.tensor2d(
      Float32Array.from({ length: n * k }, () => rng.normal()),
      [n, k],
    );
    const results = [false, true].map((fused) => {
      const s = selection(D, idx, fused);
      const took = take(x, s);
      const placed = put(z, s);
      const gTake = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(take(a as tf.Tensor2D, s), wk)))(x);
      const gPut = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(put(a as tf.Tensor2D, s), wD)))(z);
      const out = [took, placed, gTake, gPut].map((t) => Array.from(t.dataSync()));
      tf.dispose([took, placed, gTake, gPut, s.m, s.t]);
      return out;
    });
    assert.deepEqual(results[1], results[0]);
    assert.deepEqual(results[0]![0]!.slice(0, k), idx.length ? idx.map((c) => x.dataSync()[c]!) : [0]);
    tf.dispose([x, z, wD, wk]);
  });
}
