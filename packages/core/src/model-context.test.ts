import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modelDimension, modelVector, referenceInModelSpace } from './model-context.js';

const ff = {
  name: 'ff',
  dimension: 6,
  initialPositions: Float64Array.from([1, 2, 3, 4, 5, 6]),
  evaluate: () => ({ energies: new Float64Array(), forces: new Float64Array() }),
};
const transform = {
  name: 'drop-last',
  inputDimension: 5,
  outputDimension: 6,
  forward: () => {
    throw new Error('unused');
  },
  forward64: () => {
    throw new Error('unused');
  },
  inverse64: (x: Float64Array, n: number) => ({ y: x.slice(0, 5 * n), logDetJ: new Float64Array(n) }),
};

test('modelDimension: given, else the transform input, else the force field; none is an error naming the plugin', () => {
  assert.equal(modelDimension({ modelDimension: 3, forceField: ff }, 'm'), 3);
  assert.equal(modelDimension({ forceField: ff, transform: transform as never }, 'm'), 5);
  assert.equal(modelDimension({ forceField: ff }, 'm'), 6);
  assert.throws(() => modelDimension({}, 'my-model'), /my-model model: the run gives no model dimension/);
});

test('referenceInModelSpace maps the initial positions through the transform inverse', () => {
  assert.deepEqual(Array.from(referenceInModelSpace({ forceField: ff })!), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(
    Array.from(referenceInModelSpace({ forceField: ff, transform: transform as never })!),
    [1, 2, 3, 4, 5],
  );
  assert.equal(referenceInModelSpace({}), undefined);
});

test('modelVector: copies exactly D finite numbers; a wrong length or a non-finite entry is named', () => {
  assert.deepEqual(Array.from(modelVector([1, 2.5], 2, 'm: outputMean')), [1, 2.5]);
  assert.throws(
    () => modelVector([1], 2, 'm: outputMean'),
    /m: outputMean has 1 entries, expected the model dimension 2/,
  );
  assert.throws(() => modelVector([1, NaN], 2, 'm: outputMean'), /m: outputMean\[1\] is not a finite number \(NaN\)/);
  assert.throws(() => modelVector([1, '2'], 2, 'm: outputMean'), /m: outputMean\[1\] is not a finite number/);
});
