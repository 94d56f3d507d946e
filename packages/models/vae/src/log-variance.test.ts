import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { LOG_VARIANCE_RANGE, softClampLogVariance, softClampLogVariance64 } from './log-variance.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

for (const [n, k] of [
  [500, 2],
  [300, 40],
] as const)
  test(`softClampLogVariance on ${n} × ${k}: the fused path's values and gradient equal the composed clamp's`, () => {
    const rng = createRng(8);
    // Raw values across the whole range and beyond both bounds.
    const raw = tf.tensor2d(
      Float32Array.from(rng.fillNormal(new Float32Array(n * k)), (v) => 15 * v),
      [n, k],
    );
    const probe = tf.tensor2d(rng.fillNormal(new Float32Array(n * k)) as Float32Array, [n, k]);
    const loss = (fused: boolean) => (x: tf.Tensor) =>
      tf.sum(tf.mul(tf.sin(softClampLogVariance(x, undefined, fused)), probe));
    const [v1, v0] = [true, false].map((f) => tf.tidy(() => softClampLogVariance(raw, undefined, f).dataSync()));
    const [g1, g0] = [true, false].map((f) => tf.tidy(() => tf.grad(loss(f))(raw).dataSync()));
    const x = raw.dataSync();
    for (let i = 0; i < n * k; i++) {
      assert.ok(Math.abs(v1![i]! - v0![i]!) <= 1e-5 * (1 + Math.abs(v0![i]!)), `value ${i}: ${v1![i]} vs ${v0![i]}`);
      assert.ok(
        Math.abs(v1![i]! - softClampLogVariance64(x[i]!)) <= 1e-5 * (1 + Math.abs(v1![i]!)),
        `value ${i} vs Float64`,
      );
      assert.ok(v1![i]! >= LOG_VARIANCE_RANGE[0] && v1![i]! <= LOG_VARIANCE_RANGE[1]);
      assert.ok(Math.abs(g1![i]! - g0![i]!) <= 1e-5 * (1 + Math.abs(g0![i]!)), `gradient ${i}: ${g1![i]} vs ${g0![i]}`);
    }
    tf.dispose([raw, probe]);
  });
