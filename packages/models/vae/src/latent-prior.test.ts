import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { StandardNormalPrior } from './latent-prior.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

test('standard normal prior: log N(z; 0, I) in tfjs and, for a draw, all of it in Float64; z is ζ', () => {
  const prior = new StandardNormalPrior();
  const rows = [
    [0.5, -1],
    [0, 2],
  ];
  const exact = rows.map((z) => -0.5 * (z[0]! ** 2 + z[1]! ** 2) - Math.log(2 * Math.PI));
  const got = tf.tidy(() => Array.from(prior.logDensity(tf.tensor2d(rows)).dataSync()));
  exact.forEach((v, i) => assert.ok(Math.abs(got[i]! - v) < 1e-5));
  const zeta = Float32Array.from(rows.flat());
  exact.forEach((v, i) => assert.ok(Math.abs(prior.fixedLogDensity(zeta, i, 2) - v) < 1e-12));
  assert.equal(prior.choose(), undefined);
  assert.deepEqual(prior.variables(), []);
  const zt = tf.tensor2d(rows);
  assert.equal(prior.latent(zt), zt);
  zt.dispose();
});
