import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { ACTIVATIONS, activationFn, activations, type Activation } from './activations.js';

const closedForms: Record<Activation, (x: number) => number> = {
  tanh: Math.tanh,
  relu: (x) => Math.max(0, x),
  selu: (x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * (Math.exp(x) - 1)),
  softplus: (x) => Math.log1p(Math.exp(x)),
  elu: (x) => (x > 0 ? x : Math.exp(x) - 1),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  logsigmoid: (x) => -Math.log1p(Math.exp(-x)),
  linear: (x) => x,
};

test('every activation matches its closed form', () => {
  const xs = [-3, -0.5, 0, 0.7, 2.5];
  assert.deepEqual(Object.keys(activations).sort(), [...ACTIVATIONS].sort());
  for (const name of ACTIVATIONS) {
    const got = tf.tidy(() => activationFn(name)(tf.tensor1d(xs)).dataSync());
    xs.forEach((x, i) => assert.ok(Math.abs(got[i]! - closedForms[name](x)) < 1e-5, `${name}(${x}): ${got[i]}`));
  }
});

test('logsigmoid has a gradient inside tf.variableGrads (σ(−x))', () => {
  const v = tf.variable(tf.tensor1d([-1, 0, 2]), true, 'nn-test/logsigmoid');
  const { grads } = tf.variableGrads(() => tf.sum(activationFn('logsigmoid')(v)) as tf.Scalar, [v]);
  const g = grads['nn-test/logsigmoid']!.dataSync();
  [-1, 0, 2].forEach((x, i) => assert.ok(Math.abs(g[i]! - 1 / (1 + Math.exp(x))) < 1e-6));
  v.dispose();
});

test('an unknown activation is refused with the list', () => {
  assert.throws(() => activationFn('gelu' as Activation), /unknown activation "gelu"; expected one of tanh, relu/);
});
