import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proposalCoefficients, scoreCoefficients } from './score-function.js';

const logw = [-3.2, -1.1, -2.5, -0.4];
const mask = [1, 0, 1, 1, 1];

test('scoreCoefficients: reverse KL gives (ℓ − mean ℓ)/n on the kept samples and 0 on dropped ones', () => {
  const c = scoreCoefficients(logw, mask, 0);
  const mean = logw.reduce((a, v) => a + v, 0) / 4;
  assert.equal(c[1], 0);
  [0, 2, 3, 4].forEach((i, j) => assert.ok(Math.abs(c[i]! - -(logw[j]! - mean) / 4) < 1e-6, `sample ${i}`));
  assert.ok(Math.abs(Array.from(c).reduce((a, v) => a + v, 0)) < 1e-6, 'a zero-mean baseline');
});

test('scoreCoefficients: the Rényi form sums to zero, favours high-weight samples, and tends to reverse KL as 1 − α → 0', () => {
  const c = scoreCoefficients(logw, mask, 0.5);
  assert.ok(Math.abs(Array.from(c).reduce((a, v) => a + v, 0)) < 1e-6);
  // The largest log w (sample 4) has the most negative coefficient: its choice is made more likely.
  assert.ok(c[4]! < c[3]! && c[3]! < c[0]!);
  const small = scoreCoefficients(logw, mask, 1e-4),
    kl = scoreCoefficients(logw, mask, 0);
  kl.forEach((v, i) => assert.ok(Math.abs(small[i]! - v) < 1e-4, `sample ${i}: ${small[i]} vs ${v}`));
});

test('scoreCoefficients: an empty batch gives zeros', () => {
  assert.deepEqual(Array.from(scoreCoefficients([], [0, 0], 0)), [0, 0]);
});

const ratio = [0.4, -1.2, 0.1, -0.3];

test('proposalCoefficients: reverse KL gives (f − weighted mean f)/S, so Σ c e^b = 0, and equal ratios give the score form', () => {
  const c = proposalCoefficients(logw, ratio, mask, 0);
  const e = ratio.map(Math.exp);
  const S = e.reduce((a, v) => a + v, 0);
  const fbar = logw.reduce((a, v, j) => a - v * e[j]!, 0) / S;
  assert.equal(c[1], 0);
  [0, 2, 3, 4].forEach((i, j) => assert.ok(Math.abs(c[i]! - (-logw[j]! - fbar) / S) < 1e-6, `sample ${i}`));
  assert.ok(
    Math.abs([0, 2, 3, 4].reduce((a, i, j) => a + c[i]! * e[j]!, 0)) < 1e-6,
    'the baseline has zero weighted mean',
  );
  // b = 0 everywhere is drawing from P itself: the same coefficients as scoreCoefficients.
  const same = proposalCoefficients(logw, [0, 0, 0, 0], mask, 0),
    score = scoreCoefficients(logw, mask, 0);
  same.forEach((v, i) => assert.ok(Math.abs(v - score[i]!) < 1e-6, `sample ${i}`));
});

test('proposalCoefficients: the Rényi form is −(u − 1/S)/p, tends to reverse KL as p → 0, and c·e^b ignores a common shift of b', () => {
  const p = 0.5;
  const c = proposalCoefficients(logw, ratio, mask, p);
  const e = ratio.map(Math.exp);
  const S = e.reduce((a, v) => a + v, 0);
  const denom = logw.reduce((a, v, j) => a + e[j]! * Math.exp(p * v), 0);
  [0, 2, 3, 4].forEach((i, j) =>
    assert.ok(Math.abs(c[i]! - -(Math.exp(p * logw[j]!) / denom - 1 / S) / p) < 1e-6, `sample ${i}`),
  );
  const small = proposalCoefficients(logw, ratio, mask, 1e-4),
    kl = proposalCoefficients(logw, ratio, mask, 0);
  kl.forEach((v, i) => assert.ok(Math.abs(small[i]! - v) < 1e-4, `sample ${i}: ${small[i]} vs ${v}`));
  // A common shift of b scales every exp(b) by the same factor and c by its inverse: c·exp(b) is unchanged.
  const shifted = proposalCoefficients(
    logw,
    ratio.map((b) => b + 30),
    mask,
    p,
  );
  [0, 2, 3, 4].forEach((i, j) =>
    assert.ok(
      Math.abs(shifted[i]! * Math.exp(ratio[j]! + 30) - c[i]! * e[j]!) < 1e-5 * Math.abs(c[i]! * e[j]!) + 1e-9,
      `sample ${i}`,
    ),
  );
});
