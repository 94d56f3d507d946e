import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import '@embedcg/core/tf/backend-wasm';
import {
  directMatMul,
  directTranspose,
  productFused,
  runKernelFused,
  setDirectKernelsEnabled,
  transposeFused,
} from './direct-kernels.js';
import { createRng } from '../util/random.js';

const rng = createRng(11);
const t2 = (r: number, c: number) => tf.tensor2d(rng.fillNormal(new Float32Array(r * c)) as Float32Array, [r, c]);
const values = (t: tf.Tensor | undefined) => Array.from(t!.dataSync());

for (const backend of ['wasm', 'cpu'])
  test(`direct kernels (${backend}): the same numbers as tfjs's ops, bit for bit, and nothing leaks`, async () => {
    await tf.setBackend(backend);
    // 37 × 29 by 29 × 13: no size a multiple of the SIMD width.
    const a = t2(37, 29),
      b = t2(29, 13),
      bias = tf.tensor1d(rng.fillNormal(new Float32Array(13)) as Float32Array);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      assert.deepEqual(values(directMatMul(a, b, bias)), values(tf.fused.matMul({ a, b, bias })));
      assert.deepEqual(values(directMatMul(a, b)), values(tf.matMul(a, b)));
      assert.deepEqual(directMatMul(a, b)!.shape, [37, 13]);
      assert.deepEqual(values(directTranspose(a)), values(tf.transpose(a)));
      assert.deepEqual(directTranspose(a)!.shape, [29, 37]);
      assert.deepEqual(values(runKernelFused('Transpose', { x: b }, { perm: [1, 0] })), values(tf.transpose(b)));
    });
    assert.equal(tf.memory().numTensors, before, 'a directly made tensor outlived its tidy');
    // Disposed for real: the backend frees what the engine no longer tracks.
    const bytes = tf.memory().numBytes;
    directMatMul(a, b)!.dispose();
    assert.equal(tf.memory().numBytes, bytes);
    tf.dispose([a, b, bias]);
  });

test('direct kernels step aside while a tape records, and when switched off', async () => {
  await tf.setBackend('wasm');
  const a = t2(5, 4),
    b = t2(4, 3);
  // Under tf.grad the product must be taped: a direct call would hide it from the gradient.
  const g = tf.grad((x: tf.Tensor) => tf.sum(productFused(x as tf.Tensor2D, transposeFused(tf.transpose(b)))))(a);
  const expected = tf.matMul(tf.ones([5, 3]), tf.transpose(b));
  assert.deepEqual(values(g), values(expected));
  tf.grad((x: tf.Tensor) => {
    assert.equal(directMatMul(x as tf.Tensor2D, b), undefined);
    assert.equal(directTranspose(x as tf.Tensor2D), undefined);
    return tf.sum(x);
  })(a);
  setDirectKernelsEnabled(false);
  try {
    assert.equal(directMatMul(a, b), undefined);
    assert.deepEqual(values(productFused(a, b)), values(tf.matMul(a, b)));
  } finally {
    setDirectKernelsEnabled(true);
  }
  assert.notEqual(directMatMul(a, b), undefined);
  tf.dispose([a, b, g, expected]);
});
