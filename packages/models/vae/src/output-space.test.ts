import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { resolveOptions } from './options.js';
import { OutputSpace } from './output-space.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

test('output space: y = m + s·u, u = (y − m)/s wrapped into [−π, π) at the circular coordinates, log-det Σ log s', () => {
  const o = resolveOptions({ outputScales: [0.5, 2, 1], circular: [2] }, 3);
  const space = new OutputSpace(o, { dimension: 3, outputMean: [1, -1, 3] });
  try {
    assert.equal(space.uniformScale, undefined);
    assert.ok(Math.abs(space.logScaleSum - (Math.log(0.5) + Math.log(2))) < 1e-12);
    const y = tf.tidy(() => space.fromStandard(tf.tensor2d([[2, 1, 0.5]])).arraySync()[0]!);
    [2, 1, 3.5].forEach((v, i) => assert.ok(Math.abs(y[i]! - v) < 1e-6, `y[${i}] ${y[i]}`));
    // 3 + 4 is 4 − 2π + 3 = wrapped: u_2 = 4 − 2π.
    const u = tf.tidy(() => space.toStandard(tf.tensor2d([[2, 1, 7]])).arraySync()[0]!);
    [2, 1, 4 - 2 * Math.PI].forEach((v, i) => assert.ok(Math.abs(u[i]! - v) < 1e-5, `u[${i}] ${u[i]}`));
    const lv = tf.tidy(() => space.logVarianceOfY(tf.zeros([1, 3]), 2).arraySync());
    assert.equal(lv.length, 2);
    [2 * Math.log(0.5), 2 * Math.log(2), 0].forEach((v, i) => assert.ok(Math.abs(lv[1]![i]! - v) < 1e-6));
  } finally {
    space.dispose();
  }
});

test('output space: uniform scales use the scalar s, and circular: auto follows the flags', () => {
  const space = new OutputSpace(resolveOptions({ outputScale: 0.1 }, 2), { dimension: 2, circular: [0, 1] });
  try {
    assert.equal(space.uniformScale, 0.1);
    assert.ok(Math.abs(space.logScaleSum - 2 * Math.log(0.1)) < 1e-12);
    assert.deepEqual(space.circular, [1]);
    assert.equal(space.mean, undefined);
  } finally {
    space.dispose();
  }
});
