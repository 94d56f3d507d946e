// A symmetric 1-D two-mode target p ∝ e^{−(x−a)²/2} + e^{−(x+a)²/2} and a Gaussian model with exact
// density started on the +a mode. Reverse KL keeps one mode (σ ≈ 1); forward KL matches the moments
// (μ = 0, σ² = 1 + a²), so the fitted (μ, σ) tell which divergence a training recipe minimised.
import * as tf from '@embedcg/core/tf';
import { API_VERSION, defineForceField, defineModel, validateRunConfig } from '@embedcg/core';

export const A = 2.5;

/**
 * A validated run config of the Gaussian on the two-mode target (plugins under 'test-plugins'):
 * one level at β* unless `schedule` says otherwise, the wasm backend, `training` merged in.
 */
export function twoModesConfig({ name, seed, schedule = { levels: 1, initialFraction: 1 }, training, evaluation }) {
  return validateRunConfig({
    name,
    seed,
    forceField: { package: 'test-plugins', name: 'two-modes' },
    model: { package: 'test-plugins', name: 'gaussian' },
    target: { beta: 1 },
    schedule: { package: '@embedcg/core', name: 'geometric', options: schedule },
    training: { initialSteps: 0, stepsPerLevel: 1, historyEvery: 1, backend: 'wasm', ...training },
    evaluation,
  });
}

/** p ∝ wPlus e^{−(x−a)²/2} + wMinus e^{−(x+a)²/2}, as a force field named `name`. */
function twoModeTarget(name, description, optionsSchema, weightsOf) {
  return defineForceField({
    name,
    version: '0.0.0',
    apiVersion: API_VERSION,
    description,
    optionsSchema,
    create: (opts) => {
      const [wPlus, wMinus] = weightsOf(opts);
      return {
        name,
        dimension: 1,
        initialPositions: Float64Array.from([A]),
        evaluate(x, n) {
          const energies = new Float64Array(n),
            forces = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            const p = wPlus * Math.exp(-((x[i] - A) ** 2) / 2),
              m = wMinus * Math.exp(-((x[i] + A) ** 2) / 2);
            energies[i] = -Math.log(p + m);
            forces[i] = -((x[i] - A) * p + (x[i] + A) * m) / (p + m);
          }
          return { energies, forces };
        },
      };
    },
  });
}

export const twoModes = twoModeTarget('two-modes', 'symmetric 1-D two-mode target', { type: 'object' }, () => [1, 1]);

/**
 * N(μ, σ²) with exact log-density, started on the +a mode. With option `drawOnly`, a third variable
 * enters the draw (times 0) but not logProb, as A's factors once did in structured-flow: the
 * reweighting phase's gradients then lack a variable the reverse-KL phase's have.
 */
export const gaussian = defineModel({
  name: 'gaussian',
  version: '0.0.0',
  apiVersion: API_VERSION,
  description: '1-D Gaussian with exact density',
  optionsSchema: { type: 'object', properties: { drawOnly: { type: 'boolean', default: false } } },
  create: (opts) => {
    const mu = tf.variable(tf.scalar(A), true, 'g/mu');
    const logSigma = tf.variable(tf.scalar(0), true, 'g/logSigma');
    // First in variables(), so that leaving it out shifts the positions of μ and log σ.
    const extra = opts.drawOnly ? [tf.variable(tf.zeros([3]), true, 'g/drawOnly')] : [];
    const logProb = (y) =>
      tf.tidy(() => {
        const u = tf.div(tf.sub(y, mu), tf.exp(logSigma));
        return tf.sub(tf.mul(-0.5, tf.sum(tf.square(u), 1)), tf.add(logSigma, 0.5 * Math.log(2 * Math.PI)));
      });
    return {
      name: 'gaussian',
      dimension: 1,
      exactDensity: true,
      draw(n, rng) {
        const eps = tf.tensor2d(rng.fillNormal(new Float32Array(n)), [n, 1]);
        let y = tf.add(mu, tf.mul(tf.exp(logSigma), eps));
        const logQ = logProb(y);
        for (const v of extra) y = tf.add(y, tf.mul(tf.sum(v), 0));
        return { y, logQ };
      },
      logProb,
      variables: () => [...extra, mu, logSigma],
      metadata: () => ({ plugin: 'gaussian', dimension: 1 }),
      dispose: () => tf.dispose([mu, logSigma, ...extra]),
    };
  },
});

/** Like two-modes, but with mode weights w (at +a) and 1 − w (at −a): option `weight`. */
export const weightedTwoModes = twoModeTarget(
  'weighted-two-modes',
  'asymmetric 1-D two-mode target',
  { type: 'object', properties: { weight: { type: 'number', default: 0.8 } } },
  (opts) => [opts.weight ?? 0.8, 1 - (opts.weight ?? 0.8)],
);

/**
 * An exact-density mixture (1 − π) N(−a, 1) + π N(a, 1) with one learnable logit (π starts at ½).
 * Its draw picks the component, a discrete choice that reparameterisation cannot differentiate:
 * it reports `choiceLogProb` unless option `score` is false. With option `proposal` η > 0, a
 * training draw picks components from (1 − η) π + η/2 and reports `proposalLogRatio` instead.
 */
export const twoComponents = defineModel({
  name: 'two-components',
  version: '0.0.0',
  apiVersion: API_VERSION,
  description: '1-D two-component mixture with a learnable weight',
  optionsSchema: {
    type: 'object',
    properties: {
      score: { type: 'boolean', default: true },
      proposal: { type: 'number', default: 0 },
      at: { type: 'number', default: A },
      sharedWidth: { type: 'boolean', default: false },
    },
  },
  create: (opts) => {
    const at = opts.at ?? A;
    const logit = tf.variable(tf.scalar(0), true, 'mix/logit');
    // With `sharedWidth`: one learnable log σ for both components (a parameter they share).
    const logSigma = opts.sharedWidth ? tf.variable(tf.scalar(0), true, 'mix/logSigma') : undefined;
    // Not tf.logSigmoid: its gradient met a disposed tensor inside the trainer's step (tfjs 4.22, wasm).
    const logPi = () => tf.logSoftmax(tf.stack([tf.scalar(0), logit]));
    const logProb = (y) =>
      tf.tidy(() => {
        const inv = logSigma ? tf.exp(tf.neg(logSigma)) : tf.scalar(1);
        const comps = tf
          .stack([tf.square(tf.mul(tf.add(y, at), inv)), tf.square(tf.mul(tf.sub(y, at), inv))], 1)
          .reshape([y.shape[0], 2]);
        const norm = logSigma ? tf.add(logSigma, 0.5 * Math.log(2 * Math.PI)) : tf.scalar(0.5 * Math.log(2 * Math.PI));
        return tf.logSumExp(tf.add(tf.sub(tf.mul(comps, -0.5), norm), logPi().reshape([1, 2])), 1);
      });
    return {
      name: 'two-components',
      dimension: 1,
      exactDensity: true,
      draw(n, rng, options) {
        const pi = 1 / (1 + Math.exp(-logit.dataSync()[0]));
        const eta = options?.training ? (opts.proposal ?? 0) : 0;
        const picked = [1 - ((1 - eta) * pi + eta / 2), (1 - eta) * pi + eta / 2];
        const plus = Float32Array.from({ length: n }, () => (rng.uniform() < picked[1] ? 1 : 0));
        const eps = rng.fillNormal(new Float32Array(n));
        const shift = tf.tensor2d(
          Float32Array.from(plus, (p) => (p ? at : -at)),
          [n, 1],
        );
        const noise = tf.tensor2d(eps, [n, 1]);
        const y = logSigma ? tf.add(shift, tf.mul(tf.exp(logSigma), noise)) : tf.add(shift, noise);
        const logQ = logProb(y);
        if (opts.score === false) return { y, logQ };
        const choiceLogProb = tf.sum(
          tf.mul(
            tf.tensor2d(Float32Array.from(Array.from(plus).flatMap((p) => [1 - p, p])), [n, 2]),
            logPi().reshape([1, 2]),
          ),
          1,
        );
        if (eta === 0) return { y, logQ, choiceLogProb };
        return {
          y,
          logQ,
          proposalLogRatio: tf.sub(choiceLogProb, tf.tensor1d(Float32Array.from(plus, (p) => Math.log(picked[p])))),
        };
      },
      logProb,
      variables: () => (logSigma ? [logit, logSigma] : [logit]),
      metadata: () => ({ plugin: 'two-components', dimension: 1 }),
      dispose: () => tf.dispose(logSigma ? [logit, logSigma] : [logit]),
    };
  },
});

/**
 * Separated modes of different widths: weight 0.9 at +6 with σ = 1, 0.1 at −6 with σ = 2 (options
 * `at`, `weight` of the + mode, `width` of the − mode). A model with one width for both fits it
 * between the two, weighted by how much each mode counts.
 */
export const twoWidths = defineForceField({
  name: 'two-widths',
  version: '0.0.0',
  apiVersion: API_VERSION,
  description: '1-D modes of widths 1 and 2',
  optionsSchema: {
    type: 'object',
    properties: {
      at: { type: 'number', default: 6 },
      weight: { type: 'number', default: 0.9 },
      width: { type: 'number', default: 2 },
    },
  },
  create: (opts) => {
    const a = opts.at ?? 6,
      w = opts.weight ?? 0.9,
      s = opts.width ?? 2;
    return {
      name: 'two-widths',
      dimension: 1,
      initialPositions: Float64Array.from([a]),
      evaluate(x, n) {
        const energies = new Float64Array(n),
          forces = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const p = w * Math.exp(-((x[i] - a) ** 2) / 2),
            m = ((1 - w) / s) * Math.exp(-((x[i] + a) ** 2) / (2 * s * s));
          energies[i] = -Math.log(p + m);
          forces[i] = -((x[i] - a) * p + ((x[i] + a) / (s * s)) * m) / (p + m);
        }
        return { energies, forces };
      },
    };
  },
});
