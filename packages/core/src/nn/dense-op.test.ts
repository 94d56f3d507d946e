import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import '@embedcg/core/tf/backend-wasm';
import { denseOp } from './dense-op.js';
import { engineProfile } from './engine-profile.test.util.js';
import { createRng } from '../util/random.js';

for (const backend of ['wasm', 'cpu'])
  for (const fused of [false, true])
    test(`denseOp (${backend}${fused ? ', fused: SIMD bias gradient' : ''}): value and gradients equal tfjs's own x·W + b`, async () => {
      await tf.setBackend(backend);
      const rng = createRng(3);
      const t = (shape: number[]) =>
        tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape);
      // 37 outputs: two 16-column blocks, a 4-column block and a scalar column in the SIMD column sums.
      const x = t([29, 5]) as tf.Tensor2D,
        W = t([5, 37]) as tf.Tensor2D,
        b = t([37]) as tf.Tensor1D,
        probe = t([29, 37]);
      const ours = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(tf.tanh(denseOp(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, fused)), probe));
      const theirs = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(tf.tanh(tf.add(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), bb)), probe));
      const a = tf.grads(ours)([x, W, b]),
        c = tf.grads(theirs)([x, W, b]);
      assert.ok(Math.abs(ours(x, W, b).dataSync()[0]! - theirs(x, W, b).dataSync()[0]!) < 1e-4);
      for (let k = 0; k < 3; k++) {
        const d = tf.max(tf.abs(tf.sub(a[k]!, c[k]!))).dataSync()[0]!;
        assert.ok(d < 1e-5, `gradient ${['x', 'W', 'b'][k]}: max difference ${d}`);
      }
      if (fused) {
        // Through the engine (direct calls off) the profile sees the SIMD column sums; with direct
        // calls it sees no product, transpose or reshape of the layer at all.
        const viaEngine = (await engineProfile(() => tf.grads(ours)([x, W, b]))).kernelNames;
        assert.ok(viaEngine.includes('EmbedcgColumnSums'), `${viaEngine}`);
        const direct = (await tf.profile(() => tf.grads(ours)([x, W, b]))).kernelNames;
        for (const k of ['EmbedcgColumnSums', '_FusedMatMul', 'BatchMatMul', 'Transpose'])
          assert.ok(!direct.includes(k), `${k} went through the engine: ${direct}`);
      }
    });
