/** Activation functions by name, as tfjs ops that are safe inside `tf.variableGrads`. */
import * as tf from '@embedcg/core/tf';
import { simdActivation } from './simd/simd-kernels.js';

/** The activations a hidden layer may use (model option schemas list these). */
export const ACTIVATIONS = ['tanh', 'relu', 'selu', 'softplus', 'elu', 'sigmoid', 'logsigmoid', 'linear'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export type ActivationFn = (x: tf.Tensor) => tf.Tensor;

/** The tfjs ops (the unfused path, `training.fusedKernels: false`). */
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

/**
 * The fused path: tanh, softplus, logsigmoid and selu as one WebAssembly SIMD kernel each way
 * (simd/simd-kernels.ts) on the wasm and cpu backends, float32-accurate; the rest as above.
 */
export const fusedActivations: Readonly<Record<Activation, ActivationFn>> = Object.freeze({
  ...activations,
  tanh: simdActivation('tanh', activations.tanh),
  selu: simdActivation('selu', activations.selu),
  softplus: simdActivation('softplus', activations.softplus),
  logsigmoid: simdActivation('logsigmoid', activations.logsigmoid),
});

/**
 * The activation called `name`, from {@link fusedActivations} when `fused`; a name outside
 * {@link ACTIVATIONS} is refused with the list.
 */
export function activationFn(name: Activation, fused = false): ActivationFn {
  const fn = ((fused ? fusedActivations : activations) as Record<string, ActivationFn>)[name];
  if (!fn)
    throw new RangeError(`unknown activation ${JSON.stringify(name)}; expected one of ${ACTIVATIONS.join(', ')}`);
  return fn;
}
