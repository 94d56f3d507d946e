/** Activation functions by name, as tfjs ops that are safe inside `tf.variableGrads`. */
import * as tf from '@embedcg/core/tf';

/** The activations a hidden layer may use (model option schemas list these). */
export const ACTIVATIONS = ['tanh', 'relu', 'selu', 'softplus', 'elu', 'sigmoid', 'logsigmoid', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export type ActivationFn = (x: tf.Tensor) => tf.Tensor;

export const activations: Readonly<Record<Activation, ActivationFn>> = Object.freeze({
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
});

/** The activation called `name`; a name outside {@link ACTIVATIONS} is refused with the list. */
export function activationFn(name: Activation): ActivationFn {
  const fn = (activations as Record<string, ActivationFn>)[name];
  if (!fn)
    throw new RangeError(`unknown activation ${JSON.stringify(name)}; expected one of ${ACTIVATIONS.join(', ')}`);
  return fn;
}
