// `npm run bench -- activation-kernels [--rounds N] [--reps N] [--backend wasm|cpu]`
// The networks' activations as tfjs kernels (the unfused path) against core's WebAssembly SIMD
// kernels (nn/simd/, the fused path), forward alone and forward + gradient (tf.grad of Σ f(x)·c),
// at 256×128 (a flow conditioner's hidden layer) and 500×64 (the main job's); then the bias
// gradient alone (tf.sum(dy, 0) against the SIMD column sums) and a whole hidden layer, tanh of
// denseOp from 128 inputs, forward + gradient in x, W and b (plain against fused). Each pair runs
// interleaved: each round times `reps` calls of one then the other (order alternating), and the
// table gives median ms per call over the rounds and the ratio of the medians.
// Writes bench-results/activation-kernels.json.
import * as tf from '@embedcg/core/tf';
import { activations, denseOp, fusedActivations, selectBackend } from '@embedcg/core';
import { simdColumnSums } from '../../packages/core/dist/nn/simd/simd-kernels.js';
import { arg, writeResults } from './lib.mjs';

const rounds = Number(arg('rounds', 15));
const reps = Number(arg('reps', 20));
const backend = await selectBackend(arg('backend', 'wasm'));
const activationFor = (fused) => (fused ? fusedActivations : activations).tanh;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * ms per call of `fn`, its output read back (dataSync) so that the work is done. The tidy returns
 * nothing: tidy walks a returned typed array element by element (about 0.5 µs per element).
 */
function timeCalls(fn) {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++)
    tf.tidy(() => {
      fn().dataSync();
    });
  return (performance.now() - t0) / reps;
}

/** Median ms per call of `plain` and `simd`, interleaved over the rounds. */
function pair(plain, simd) {
  plain();
  simd();
  const times = { plain: [], simd: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? ['simd', 'plain'] : ['plain', 'simd'];
    for (const k of order) times[k].push(timeCalls(k === 'plain' ? plain : simd));
  }
  return [median(times.plain), median(times.simd)];
}

const results = [];
const row = (rows, cols, activation, pass, [p, s]) =>
  results.push({
    backend,
    shape: `${rows}x${cols}`,
    activation,
    pass,
    tfjsMs: +p.toFixed(4),
    simdMs: +s.toFixed(4),
    speedup: +(p / s).toFixed(2),
    tfjsNsPerElement: +((p * 1e6) / (rows * cols)).toFixed(2),
    simdNsPerElement: +((s * 1e6) / (rows * cols)).toFixed(2),
  });
for (const [rows, cols] of [
  [256, 128],
  [500, 64],
]) {
  const x = tf.randomNormal([rows, cols], 0, 2, 'float32', 7);
  const c = tf.randomUniform([rows, cols], -1, 1, 'float32', 8);
  for (const name of ['tanh', 'softplus', 'logsigmoid', 'selu']) {
    for (const pass of ['forward', 'forward+gradient']) {
      const make = (f) => (pass === 'forward' ? () => f(x) : () => tf.grad((v) => tf.sum(tf.mul(f(v), c)))(x));
      row(rows, cols, name, pass, pair(make(activations[name]), make(fusedActivations[name])));
    }
  }
  row(
    rows,
    cols,
    'bias gradient',
    'sum over rows',
    pair(
      () => tf.sum(c, 0),
      () => simdColumnSums(c),
    ),
  );
  const input = tf.randomNormal([rows, 128], 0, 1, 'float32', 9);
  const W = tf.randomNormal([128, cols], 0, 0.1, 'float32', 10);
  const b = tf.zeros([cols]);
  const layer = (fused) => () => {
    const f = (xx, ww, bb) => tf.sum(tf.mul(activationFor(fused)(denseOp(xx, ww, bb, fused)), c));
    const g = tf.grads(f)([input, W, b]);
    return tf.addN(g.map((t) => tf.sum(t)));
  };
  row(rows, cols, 'tanh(denseOp) from 128', 'forward+gradient', pair(layer(false), layer(true)));
  tf.dispose([x, c, input, W, b]);
}
writeResults('activation-kernels', results);
