import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import '@embedcg/core/tf/backend-wasm';
import { createRng } from '@embedcg/core';
import { affineParts, put, selection, take } from './columns.js';

tf.enableProdMode();

// Picking a column by a product with a 0/1 matrix adds exact zeros, so the fused copy must give
// the same numbers bit for bit, values and gradients.
for (const [backend, idx] of (['wasm', 'cpu'] as const).flatMap((b) =>
  [[4, 0, 2], [], [1], [1, 2]].map((i) => [b, i] as const),
)) {
  test(`${backend}: fused take/put of columns ${JSON.stringify(idx)} equal the 0/1 products exactly, values and gradients`, async () => {
    await tf.setBackend(backend);
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

for (const backend of ['wasm', 'cpu'] as const)
  test(`${backend}: fused affineParts (column kernels) equals the sliced one bit for bit, values and gradients`, async () => {
    await tf.setBackend(backend);
    const rng = createRng(5);
    const [n, m] = [6, 4];
    const normal = (k: number) => Float32Array.from({ length: k }, () => 3 * rng.normal());
    const params = tf.tensor3d(normal(n * m * 2), [n, m, 2]);
    const [w1, w2] = [tf.tensor2d(normal(n * m), [n, m]), tf.tensor2d(normal(n * m), [n, m])];
    const [unfused, fused] = [false, true].map((f) =>
      tf.tidy(() => {
        const parts = (p: tf.Tensor) => affineParts(p as tf.Tensor3D, 2.5, f);
        const { shift, logScale } = parts(params);
        const g = tf.grad((p: tf.Tensor) => {
          const r = parts(p);
          return tf.add(tf.sum(tf.mul(r.shift, w1)), tf.sum(tf.mul(r.logScale, w2)));
        })(params);
        return [shift, logScale, g].map((t) => Array.from(t.dataSync()));
      }),
    );
    assert.deepEqual(fused, unfused);
    assert.equal(fused![0]![1], params.dataSync()[2]);
  });
