// A symmetric 1-D two-mode target p ∝ e^{−(x−a)²/2} + e^{−(x+a)²/2} and a Gaussian model with exact
// density started on the +a mode. Reverse KL keeps one mode (σ ≈ 1); forward KL matches the moments
// (μ = 0, σ² = 1 + a²), so the fitted (μ, σ) tell which divergence a training recipe minimised.
import * as tf from '@tensorflow/tfjs';
import { API_VERSION, defineForceField, defineModel } from '@embedcg/core';

export const A = 2.5;

export const twoModes = defineForceField({
  name: 'two-modes', version: '0.0.0', apiVersion: API_VERSION, description: 'symmetric 1-D two-mode target', optionsSchema: { type: 'object' },
  create: () => ({
    name: 'two-modes', dimension: 1, initialPositions: Float64Array.from([A]),
    evaluate(x, n) {
      const energies = new Float64Array(n), forces = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const p = Math.exp(-((x[i] - A) ** 2) / 2), m = Math.exp(-((x[i] + A) ** 2) / 2);
        energies[i] = -Math.log(p + m);
        forces[i] = -((x[i] - A) * p + (x[i] + A) * m) / (p + m);
      }
      return { energies, forces };
    },
  }),
});

/**
 * N(μ, σ²) with exact log-density, started on the +a mode. With option `drawOnly`, a third variable
 * enters the draw (times 0) but not logProb, as A's factors once did in structured-flow: the
 * reweighting phase's gradients then lack a variable the reverse-KL phase's have.
 */
export const gaussian = defineModel({
  name: 'gaussian', version: '0.0.0', apiVersion: API_VERSION, description: '1-D Gaussian with exact density',
  optionsSchema: { type: 'object', properties: { drawOnly: { type: 'boolean', default: false } } },
  create: (opts) => {
    const mu = tf.variable(tf.scalar(A), true, 'g/mu');
    const logSigma = tf.variable(tf.scalar(0), true, 'g/logSigma');
    // First in variables(), so that leaving it out shifts the positions of μ and log σ.
    const extra = opts.drawOnly ? [tf.variable(tf.zeros([3]), true, 'g/drawOnly')] : [];
    const logProb = (y) => tf.tidy(() => {
      const u = tf.div(tf.sub(y, mu), tf.exp(logSigma));
      return tf.sub(tf.mul(-0.5, tf.sum(tf.square(u), 1)), tf.add(logSigma, 0.5 * Math.log(2 * Math.PI)));
    });
    return {
      name: 'gaussian', dimension: 1, exactDensity: true,
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

