import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scoreCoefficients } from './score-function.js';

const logw = [-3.2, -1.1, -2.5, -0.4];
const mask = [1, 0, 1, 1, 1];

test('scoreCoefficients: reverse KL gives (ℓ − mean ℓ)/n on the kept samples and 0 on dropped ones', () => {
  const c = scoreCoefficients(logw, mask, 0);
  const mean = logw.reduce((a, v) => a + v, 0) / 4;
  assert.equal(c[1], 0);
  [0, 2, 3, 4].forEach((i, j) => assert.ok(Math.abs(c[i]! - (-(logw[j]! - mean) / 4)) < 1e-6, `sample ${i}`));
  assert.ok(Math.abs(Array.from(c).reduce((a, v) => a + v, 0)) < 1e-6, 'a zero-mean baseline');
});

test('scoreCoefficients: the Rényi form sums to zero, favours high-weight samples, and tends to reverse KL as 1 − α → 0', () => {
  const c = scoreCoefficients(logw, mask, 0.5);
  assert.ok(Math.abs(Array.from(c).reduce((a, v) => a + v, 0)) < 1e-6);
  // The largest log w (sample 4) has the most negative coefficient: its choice is made more likely.
  assert.ok(c[4]! < c[3]! && c[3]! < c[0]!);
  const small = scoreCoefficients(logw, mask, 1e-4), kl = scoreCoefficients(logw, mask, 0);
  kl.forEach((v, i) => assert.ok(Math.abs(small[i]! - v) < 1e-4, `sample ${i}: ${small[i]} vs ${v}`));
});

test('scoreCoefficients: an empty batch gives zeros', () => {
  assert.deepEqual(Array.from(scoreCoefficients([], [0, 0], 0)), [0, 0]);
});
