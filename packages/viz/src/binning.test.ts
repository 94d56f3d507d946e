import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  histogram1d,
  histogram2d,
  weightsFromLogw,
  effectiveSampleSize,
  subsampleIndices,
  quantile,
  toWrappedDegrees,
} from './binning.js';
import { isoSegments } from './contours.js';
import { dihedralState } from './dihedral-states.js';
import { exactMarginals2D } from './exact-marginals.js';
import { makeRng } from './test-support/fixtures.js';

test('histogram1d: density integrates to the fraction inside the range, weights respected', () => {
  const rng = makeRng(1);
  const v = Array.from({ length: 20000 }, () => rng.normal());
  const h = histogram1d(v, undefined, -2, 2, 40);
  const width = 0.1;
  const inside = h.density.reduce((a, b) => a + b, 0) * width;
  const expected = v.filter((x) => x >= -2 && x < 2).length / v.length;
  assert.ok(Math.abs(inside - expected) < 1e-12);
  // Standard normal density at 0 is 0.3989; the bin [0, 0.1) averages to about 0.397.
  assert.ok(Math.abs(h.density[20]! - 0.397) < 0.03, `density near 0: ${h.density[20]}`);
  // Weight only the positive values: all mass moves to x > 0.
  const w = v.map((x) => (x > 0 ? 1 : 0));
  const hw = histogram1d(v, w, -2, 2, 40);
  assert.equal(
    hw.counts.slice(0, 20).reduce((a, b) => a + b, 0),
    0,
  );
  assert.throws(() => histogram1d(v, undefined, 1, 1, 10), /hi > lo/);
});

test('histogram1d counts non-finite values apart', () => {
  const h = histogram1d([0.5, Infinity, NaN, 1.5], undefined, 0, 2, 2);
  assert.deepEqual(Array.from(h.counts), [1, 1]);
  assert.equal(h.nonFinite, 2);
});

test('histogram2d: density integrates to 1 when all points are inside', () => {
  const rng = makeRng(2);
  const x = Array.from({ length: 5000 }, () => rng.uniform());
  const y = Array.from({ length: 5000 }, () => rng.uniform());
  const h = histogram2d(x, y, undefined, [0, 1], [0, 1], 10, 20);
  const integral = h.density.reduce((a, b) => a + b, 0) * 0.1 * 0.05;
  assert.ok(Math.abs(integral - 1) < 1e-12);
  assert.throws(() => histogram2d([1], [1, 2], undefined, [0, 1], [0, 1], 2, 2), /1 x values but 2 y values/);
});

test('weightsFromLogw matches exp/normalise and survives large log weights', () => {
  const logw = [1000, 1001, 999, -Infinity];
  const w = weightsFromLogw(logw);
  const e = [Math.exp(-1), 1, Math.exp(-2), 0];
  const s = e.reduce((a, b) => a + b, 0);
  e.forEach((v, i) => assert.ok(Math.abs(w[i]! - v / s) < 1e-15));
  assert.throws(() => weightsFromLogw([0, NaN], 'samples.logw'), /samples\.logw\[1\] is NaN/);
  assert.equal(effectiveSampleSize([1, 1, 1, 1]), 4);
  assert.ok(Math.abs(effectiveSampleSize([1, 0, 0, 0]) - 1) < 1e-15);
});

test('subsampleIndices keeps at most max indices spread over the whole range', () => {
  const idx = subsampleIndices(100000, 5000);
  assert.equal(idx.length, 5000);
  assert.equal(idx[0], 0);
  assert.ok(idx[idx.length - 1]! > 99900);
  assert.deepEqual(subsampleIndices(3, 10), [0, 1, 2]);
  assert.equal(quantile([3, 1, 2, NaN], 0.5), 2);
});

test('toWrappedDegrees maps radians onto [-180, 180)', () => {
  assert.equal(toWrappedDegrees(Math.PI), -180);
  assert.ok(Math.abs(toWrappedDegrees(-Math.PI / 2) + 90) < 1e-12);
  assert.ok(Math.abs(toWrappedDegrees(3 * Math.PI + 0.1) - (-180 + (0.1 * 180) / Math.PI)) < 1e-9);
});

test('isoSegments of r² on a grid lie on the circle of the level', () => {
  const n = 41;
  const xs = Array.from({ length: n }, (_, i) => -2 + (4 * i) / (n - 1));
  const values = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) values[j * n + i] = xs[i]! ** 2 + xs[j]! ** 2;
  const segs = isoSegments(values, xs, xs, [1]);
  assert.ok(segs.length > 40);
  for (const s of segs) {
    // Linear interpolation of r² along a cell edge is accurate to about h²/4.
    assert.ok(Math.abs(Math.hypot(s.x, s.y) - 1) < 0.01, `point at r = ${Math.hypot(s.x, s.y)}`);
  }
});

test('dihedralState classifies the alanine basins', () => {
  const d = Math.PI / 180;
  assert.equal(dihedralState(-80 * d, 150 * d), 'β/C7eq');
  assert.equal(dihedralState(-70 * d, -40 * d), 'αR');
  assert.equal(dihedralState(60 * d, 40 * d), 'αL/C7ax');
});

test('exactMarginals2D matches the analytic marginal of a separable Gaussian', () => {
  const beta = 2;
  const m = exactMarginals2D((x, y) => x * x + 3 * y * y, [-4, 4], [-3, 3], beta, 200);
  const dx = m.x.x[1]! - m.x.x[0]!;
  const norm = m.x.density.reduce((a, b) => a + b, 0) * dx;
  // p(x) ∝ exp(-β x²): a normal with variance 1/(2β).
  const sigma = Math.sqrt(1 / (2 * beta));
  m.x.x.forEach((x, i) => {
    const exact = Math.exp(-(x * x) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI));
    assert.ok(Math.abs(m.x.density[i]! / norm - exact) < 1e-6);
  });
});
