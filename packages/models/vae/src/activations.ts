/** Activation functions by name, as tfjs ops that are safe inside `tf.variableGrads`. */
import * as tf from '@tensorflow/tfjs';
import type { Activation } from './options.js';

type Fn = (x: tf.Tensor) => tf.Tensor;

const table: Record<Activation, Fn> = {
  tanh: (x) => tf.tanh(x),
  relu: (x) => tf.relu(x),
  selu: (x) => tf.selu(x),
  softplus: (x) => tf.softplus(x),
  elu: (x) => tf.elu(x),
  sigmoid: (x) => tf.sigmoid(x),
  // tf.logSigmoid is built on a customGrad whose saved tensor is disposed inside
  // tf.variableGrads in tfjs 4.22 ("Cannot read properties of undefined (reading 'backend')");
  // −softplus(−x) is the same function with plain op gradients.
  logsigmoid: (x) => tf.neg(tf.softplus(tf.neg(x))),
  linear: (x) => x,
};

export function activationFn(name: Activation): Fn {
  const fn = table[name];
  if (!fn)
    throw new RangeError(
      `vae model: unknown activation ${JSON.stringify(name)}; expected one of ${Object.keys(table).join(', ')}`,
    );
  return fn;
}
