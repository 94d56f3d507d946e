import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { GaussianDensity } from './decoder-density.js';
import { gaussianLogDensity } from './gaussian.js';
import { RotorDensity } from './rotor-density.js';
import { ROTOR_FOLD, rotorLogDensity64 } from './rotor-symmetry.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

const wrapAll = (u: tf.Tensor2D) =>
  tf.sub(u, tf.mul(tf.floor(tf.div(tf.add(u, Math.PI), 2 * Math.PI)), 2 * Math.PI)) as tf.Tensor2D;
const stats = () => ({ mean: tf.tensor2d([[0.2, -3]]), logVariance: tf.tensor2d([[-1, 0.5]]) });

test('Gaussian density: log N(u; μ, σ²) of the residual taken to the nearest image; a draw is v itself', () => {
  const density = new GaussianDensity(2, wrapAll);
  const u = [0.5, 3]; // 3 − (−3) = 6 wraps to 6 − 2π
  const got = tf.tidy(() => density.logDensity(tf.tensor2d([u]), tf.zeros([1, 1]), stats()).dataSync()[0]!);
  const exact = gaussianLogDensity([0.3, 6 - 2 * Math.PI], [0, 0], [-1, 0.5]);
  assert.ok(Math.abs(got - exact) < 1e-5, `${got} vs ${exact}`);
  const v = tf.tensor2d([u]);
  assert.equal(density.push(v).u, v);
  assert.equal(density.drawExtra(), undefined);
  v.dispose();
});

test('rotor density: the three-fold mixture at the rotor, the Gaussian elsewhere; draws shift by k·2π/(3s)', () => {
  const scales = Float64Array.from([1, 0.5]);
  const density = new RotorDensity([1], scales, true, wrapAll);
  try {
    const u = [0.5, -2.2];
    const got = tf.tidy(() => density.logDensity(tf.tensor2d([u]), tf.zeros([1, 1]), stats()).dataSync()[0]!);
    // Coordinate 1 in its own units: θ = s·u, μ = s·(−3), σ = s·exp(0.25); log q(u) = log q(θ) + log s.
    const rotor = rotorLogDensity64(0.5 * -2.2, 0.5 * -3, 0.5 * Math.exp(0.25)) + Math.log(0.5);
    const exact = gaussianLogDensity([0.3], [0], [-1]) + rotor;
    assert.ok(Math.abs(got - exact) < 1e-4, `${got} vs ${exact}`);
    const shifts = density.drawExtra(300, createRng(1));
    const a = (2 * Math.PI) / (ROTOR_FOLD * 0.5);
    const seen = new Set<number>();
    shifts.forEach((v, i) => {
      if (i % 2 === 0) assert.equal(v, 0);
      else seen.add(Math.round(v / a));
    });
    assert.deepEqual([...seen].sort(), [-1, 0, 1]);
    assert.deepEqual(Array.from(density.ownTerms), [0, 1]);
  } finally {
    density.dispose();
  }
});
