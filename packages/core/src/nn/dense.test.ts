import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '../util/random.js';
import { Mlp, applyDense, createDense, createVariable } from './dense.js';
import { glorotUniformScaledAfter, glorotUniformScaledBound } from './init.js';

test('createDense: kernel from the initialiser and the rng, bias constant or per output', () => {
  const layer = createDense('nn-test/a', createRng(1), 3, 2, {
    init: glorotUniformScaledBound,
    scale: 0.5,
    bias: [1, 2],
  });
  assert.deepEqual(layer.kernel.dataSync(), glorotUniformScaledBound(createRng(1), 3, 2, 0.5));
  assert.deepEqual(Array.from(layer.bias.dataSync()), [1, 2]);
  assert.equal(layer.kernel.name, 'nn-test/a/kernel');
  assert.equal(layer.bias.name, 'nn-test/a/bias');
  const y = applyDense(layer, tf.tensor2d([[1, 0, 0]])).dataSync();
  const k = layer.kernel.dataSync();
  assert.ok(Math.abs(y[0]! - (k[0]! + 1)) < 1e-6 && Math.abs(y[1]! - (k[1]! + 2)) < 1e-6);
  tf.dispose([layer.kernel, layer.bias]);
});

test('createVariable refuses a name a live variable holds, naming it and the scope option', () => {
  const v = createVariable('nn-test/twice', tf.zeros([1]));
  assert.throws(() => createVariable('nn-test/twice', tf.zeros([1])), /'nn-test\/twice' already exists.*'scope'/);
  v.dispose();
});

test('Mlp: names, final scale 0 gives zero outputs, and the flows’ initialiser by default', () => {
  const mlp = new Mlp('nn-test/mlp', createRng(2), 2, [3], 1, 'tanh', 0);
  assert.deepEqual(
    mlp.variables().map((v) => v.name),
    ['nn-test/mlp/dense0/kernel', 'nn-test/mlp/dense0/bias', 'nn-test/mlp/out/kernel', 'nn-test/mlp/out/bias'],
  );
  assert.deepEqual(mlp.layers[0]!.kernel.dataSync(), glorotUniformScaledAfter(createRng(2), 2, 3, 1));
  assert.deepEqual(Array.from(mlp.apply(tf.tensor2d([[0.3, -2]])).dataSync()), [0]);
  // tanh then the last layer, by hand.
  const h = tf.tanh(applyDense(mlp.layers[0]!, tf.tensor2d([[0.3, -2]])));
  assert.ok(
    tf.max(tf.abs(tf.sub(h, tf.tanh(tf.matMul(tf.tensor2d([[0.3, -2]]), mlp.layers[0]!.kernel))))).dataSync()[0]! <
      1e-6,
  );
  mlp.dispose();
  mlp.dispose();
});
