import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { selectBackend } from '../backend.js';
import { createRng } from '../util/random.js';
import { energyOp } from './energy-op.js';

before(async () => {
  await selectBackend('wasm');
});

test('energyOp returns the energies and its gradient is −c·F for a loss Σ c_i U_i', () => {
  const rng = createRng(11);
  for (const [n, D] of [
    [7, 3],
    [32, 2],
    [1, 60],
  ] as const) {
    const xv = rng.fillNormal(new Float32Array(n * D)) as Float32Array;
    const ev = rng.fillNormal(new Float32Array(n)) as Float32Array;
    const fv = rng.fillNormal(new Float32Array(n * D)) as Float32Array;
    const cv = rng.fillNormal(new Float32Array(n)) as Float32Array;
    const x = tf.tensor2d(xv, [n, D]);
    const E = tf.tensor1d(ev);
    const Fo = tf.tensor2d(fv, [n, D]);
    const c = tf.tensor1d(cv);
    const value = energyOp(x, E, Fo);
    assert.deepEqual(Array.from(value.dataSync()), Array.from(ev));
    const g = tf.grad((xs: tf.Tensor) => tf.sum(tf.mul(c, energyOp(xs as tf.Tensor2D, E, Fo))))(x);
    const gv = g.dataSync();
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < D; k++) {
        const want = -cv[i]! * fv[i * D + k]!;
        assert.ok(
          Math.abs(gv[i * D + k]! - want) <= 1e-6 * Math.max(1, Math.abs(want)),
          `n=${n} D=${D} [${i},${k}]: ${gv[i * D + k]} vs ${want}`,
        );
      }
    }
    // The caller's tensors stay usable: the op must not dispose or alias them.
    assert.equal(E.isDisposed, false);
    assert.equal(Fo.isDisposed, false);
    tf.dispose([x, E, Fo, c, value, g]);
  }
});

test('energyOp composes with the chain rule: d/dθ Σ U(θ·y) = −Σ F·y', () => {
  const y = tf.tensor2d([
    [1, 2],
    [-0.5, 3],
  ]);
  const E = tf.tensor1d([0.1, 0.2]);
  const Fo = tf.tensor2d([
    [0.3, -1],
    [2, 0.5],
  ]);
  const theta = tf.scalar(1.7);
  const g = tf.grad((t: tf.Tensor) => tf.sum(energyOp(tf.mul(t, y) as tf.Tensor2D, E, Fo)))(theta);
  const want = -(0.3 * 1 + -1 * 2 + 2 * -0.5 + 0.5 * 3);
  assert.ok(Math.abs(g.dataSync()[0]! - want) < 1e-6, `${g.dataSync()[0]} vs ${want}`);
  tf.dispose([y, E, Fo, theta, g]);
});

test('energyOp rejects energies or forces of the wrong shape', () => {
  const x = tf.zeros([3, 2]) as tf.Tensor2D;
  assert.throws(() => energyOp(x, tf.zeros([2]) as tf.Tensor1D, tf.zeros([3, 2]) as tf.Tensor2D), /shapes disagree/);
  assert.throws(() => energyOp(x, tf.zeros([3]) as tf.Tensor1D, tf.zeros([3, 3]) as tf.Tensor2D), /shapes disagree/);
});
