/**
 * embedcg-model-gaussian: a diagonal Gaussian q(y) = Π_d N(y_d; μ_d, σ_d²) with learnable mean μ
 * and log standard deviation log σ. The smallest complete model plugin: an exact density, a
 * reparameterised draw y = μ + σ ε (ε ~ N(0, I)) whose log q is a differentiable function of the
 * variables, `logProb` of given points, uniquely named variables, and metadata for checkpoints.
 *
 * Plain ESM, no build step. It imports `@embedcg/core` and TensorFlow.js from `@embedcg/core/tf`
 * (bundled in core), through its one peer, so the project's single copy of each trains it.
 */
import * as tf from '@embedcg/core/tf';
import { API_VERSION, defineModel, modelDimension, referenceInModelSpace } from '@embedcg/core';

const VERSION = '1.0.0';
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log q of standardised deviations ε = (y − μ)/σ, one value per row:
 * −½ Σ_d ε_d² − Σ_d log σ_d − (D/2) log 2π.
 */
function logDensity(eps, logStd, dimension) {
  return tf.sub(tf.mul(-0.5, tf.sum(tf.square(eps), 1)), tf.add(tf.sum(logStd), dimension * HALF_LOG_2PI));
}

/**
 * A trainable variable named `name`, set from `initial()`. The initial tensor is freed by the tidy
 * (the variable holds its own reference); a name already taken by a live variable throws
 * "Variable with name … was already registered".
 */
const variable = (name, initial) => tf.tidy(() => tf.variable(initial(), true, name));

/** The model for `dimension` coordinates; `mean0` (length D) is the starting mean. */
export function createGaussianModel({ scope, initialLogStd }, dimension, mean0) {
  // Checkpoints store variables by name, so names are fixed by `scope` and never by a counter:
  // the same config rebuilds the same names when the run is reopened.
  const mean = variable(`${scope}/mean`, () => tf.tensor1d(mean0 ?? new Float32Array(dimension)));
  let logStd;
  try {
    logStd = variable(`${scope}/logStd`, () => tf.fill([dimension], initialLogStd));
  } catch (e) {
    mean.dispose();
    throw e;
  }
  return {
    name: 'gaussian',
    dimension,
    exactDensity: true,
    draw(n, rng) {
      // All randomness from the run's Rng, so a seed reproduces the draws.
      const eps = tf.tensor2d(rng.fillNormal(new Float32Array(n * dimension)), [n, dimension]);
      return { y: tf.add(mean, tf.mul(tf.exp(logStd), eps)), logQ: logDensity(eps, logStd, dimension) };
    },
    logProb(y) {
      return logDensity(tf.div(tf.sub(y, mean), tf.exp(logStd)), logStd, dimension);
    },
    variables: () => [mean, logStd],
    metadata: () => ({ plugin: 'gaussian', dimension, scope }),
    dispose() {
      mean.dispose();
      logStd.dispose();
    },
  };
}

export const gaussian = defineModel({
  name: 'gaussian',
  version: VERSION,
  apiVersion: API_VERSION,
  description: 'diagonal Gaussian with learnable mean and log standard deviation (exact density)',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      initialLogStd: { type: 'number', default: 0, description: 'starting log σ of every coordinate' },
      scope: {
        type: 'string',
        pattern: '^[A-Za-z0-9_.-]+$',
        default: 'gaussian',
        description: 'prefix of the variable names; two live models in one process need different scopes',
      },
    },
  },
  create(options, context) {
    // The model space: the transform's input when the run has one, else the force field's space.
    const dimension = modelDimension(context, 'gaussian');
    // Start at the force field's reference structure (in model space) when it has one.
    const reference = referenceInModelSpace(context);
    if (reference && reference.length !== dimension)
      throw new RangeError(
        `gaussian model: the force field's reference has ${reference.length} coordinates, the model ${dimension}`,
      );
    return createGaussianModel(options, dimension, reference && Float32Array.from(reference));
  },
});

export const plugins = [gaussian];
