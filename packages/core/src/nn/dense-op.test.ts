import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { denseOp } from './dense-op.js';
import { createRng } from '../util/random.js';

test("denseOp: value and gradients equal tfjs's own x·W + b", () => {
  const rng = createRng(3);
  const t = (shape: number[]) => tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape);
  const x = t([7, 5]) as tf.Tensor2D,
    W = t([5, 3]) as tf.Tensor2D,
    b = t([3]) as tf.Tensor1D,
    probe = t([7, 3]);
  const ours = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
    tf.sum(tf.mul(tf.tanh(denseOp(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D)), probe));
  const theirs = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
    tf.sum(tf.mul(tf.tanh(tf.add(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), bb)), probe));
  const a = tf.grads(ours)([x, W, b]),
    c = tf.grads(theirs)([x, W, b]);
  assert.ok(Math.abs(ours(x, W, b).dataSync()[0]! - theirs(x, W, b).dataSync()[0]!) < 1e-5);
  for (let k = 0; k < 3; k++) {
    const d = tf.max(tf.abs(tf.sub(a[k]!, c[k]!))).dataSync()[0]!;
    assert.ok(d < 1e-5, `gradient ${['x', 'W', 'b'][k]}: max difference ${d}`);
  }
});
