import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectSamples } from './select-samples.js';

test('selectSamples slices every per-sample array by the same rows, in the given order', () => {
  const set = {
    n: 3,
    dimension: 2,
    x: Float64Array.from([0, 1, 10, 11, 20, 21]),
    modelDimension: 1,
    y: Float64Array.from([5, 6, 7]),
    energies: Float64Array.from([1, 2, 3]),
    logQ: Float64Array.from([-1, -2, -3]),
    logw: Float64Array.from([0.1, 0.2, 0.3]),
    beta: 0.5,
    z: Float64Array.from([7, 8, 9, 10, 11, 12]),
    latentDim: 2,
  };
  const s = selectSamples(set, [2, 0]);
  assert.equal(s.n, 2);
  assert.equal(s.beta, 0.5);
  assert.deepEqual(Array.from(s.x), [20, 21, 0, 1]);
  assert.deepEqual(Array.from(s.y), [7, 5]);
  assert.deepEqual(Array.from(s.energies), [3, 1]);
  assert.deepEqual(Array.from(s.logQ), [-3, -1]);
  assert.deepEqual(Array.from(s.logw), [0.3, 0.1]);
  assert.deepEqual(Array.from(s.z!), [11, 12, 7, 8]);
  assert.equal(selectSamples({ ...set, z: undefined }, [1]).z, undefined);
});
