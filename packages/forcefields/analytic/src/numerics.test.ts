import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bisect, broadcastOption, inverseCdfLinear, logSumExp, searchCdf, simpson } from './numerics.js';

test('simpson is exact for cubics and refuses odd interval counts', () => {
  const f = Float64Array.from({ length: 11 }, (_, i) => (i / 5) ** 3 - 2 * (i / 5) + 1);
  assert.ok(Math.abs(simpson(f, 0.2) - (16 / 4 - 4 + 2)) < 1e-13);
  assert.throws(() => simpson([1, 2], 1), /even number/);
});

test('logSumExp is stable for huge and −Infinity inputs', () => {
  assert.ok(Math.abs(logSumExp([1000, 1000]) - (1000 + Math.LN2)) < 1e-12);
  assert.equal(logSumExp([-Infinity, -Infinity]), -Infinity);
  assert.ok(Math.abs(logSumExp([-Infinity, 0]) - 0) < 1e-15);
});

test('searchCdf and inverseCdfLinear invert a piecewise-linear CDF', () => {
  const x = [0, 1, 3];
  const cdf = [0, 0.25, 1];
  assert.equal(searchCdf(cdf, 0.1), 1);
  assert.equal(searchCdf(cdf, 0.25), 2);
  assert.ok(Math.abs(inverseCdfLinear(x, cdf, 0.125) - 0.5) < 1e-15);
  assert.ok(Math.abs(inverseCdfLinear(x, cdf, 0.625) - 2) < 1e-15);
});

test('bisect and broadcastOption', () => {
  assert.ok(Math.abs(bisect((t) => t * t - 2, 0, 2) - Math.SQRT2) < 1e-14);
  assert.deepEqual(Array.from(broadcastOption('o', 'k', 2, 3, (v) => v > 0, 'positive')), [2, 2, 2]);
  assert.throws(
    () => broadcastOption('o', 'k', [1], 3, (v) => v > 0, 'positive'),
    /"k" must be a number or an array of 3/,
  );
});
