// `npm run bench -- column-kernels [--rounds N] [--reps N] [--backend wasm|cpu]`
// The flows' column copies as core's column kernels (nn/simd/column-kernels.ts, the fused path)
// against what they replaced (the kernels switched off: customGrad copies that read their input
// back, tf.slice, tf.concat, a scatter per part and the adds), at the alanine flow's shapes (batch
// 256): a coupling's picks (3 of 5 columns), the fast couplings' (27 of 55), the slow-fast flow's
// merge (5 + 55 into 60), a conditioner output's parameter slice (621 of 690 columns, contiguous),
// an affine coupling's strided shift pick (every other of 110) and a feature concat. Forward alone
// and forward + gradient (tf.grad of Σ out·c). Each pair runs interleaved: each round times `reps`
// calls of one then the other (order alternating); the table gives median ms per call over the
// rounds and the ratio of the medians. Writes bench-results/column-kernels.json.
import * as tf from '@embedcg/core/tf';
import { concatColumns, joinColumns, putColumns, selectBackend, sliceColumns, takeColumns } from '@embedcg/core';
import { setColumnKernelsEnabled } from '../../packages/core/dist/nn/simd/column-kernels.js';
import { arg, writeResults } from './lib.mjs';

const rounds = Number(arg('rounds', 15));
const reps = Number(arg('reps', 50));
const backend = await selectBackend(arg('backend', 'wasm'));
const n = 256;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** ms per call of `fn` with the kernels on or off, its output read back (the tidy returns nothing). */
function timeCalls(fn, kernels) {
  setColumnKernelsEnabled(kernels);
  try {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++)
      tf.tidy(() => {
        fn().dataSync();
      });
    return (performance.now() - t0) / reps;
  } finally {
    setColumnKernelsEnabled(true);
  }
}

/** Median ms per call without and with the kernels, interleaved over the rounds. */
function pair(fn) {
  timeCalls(fn, false);
  timeCalls(fn, true);
  const times = { off: [], on: [] };
  for (let r = 0; r < rounds; r++)
    for (const on of r % 2 ? [true, false] : [false, true]) times[on ? 'on' : 'off'].push(timeCalls(fn, on));
  return [median(times.off), median(times.on)];
}

const range = (begin, size, step = 1) => Array.from({ length: size }, (_, j) => begin + j * step);
const normal = (cols, seed) => tf.randomNormal([n, cols], 0, 1, 'float32', seed);
const x5 = normal(5, 1);
const x55 = normal(55, 2);
const [slow, fast] = [normal(5, 3), normal(55, 4)];
const out690 = normal(690, 5);
const affine = normal(110, 6);
const feats = [normal(3, 7), normal(2, 8), normal(2, 9), normal(5, 10)];
const odd27 = range(1, 27, 2);
const slowIdx = [0, 11, 23, 35, 47];
const fastIdx = range(0, 60).filter((i) => !slowIdx.includes(i));

const cases = [
  ['take 3 of 5', x5, (x) => takeColumns(x, [4, 0, 2], 5)],
  ['take 27 of 55', x55, (x) => takeColumns(x, odd27, 55)],
  ['put 27 into 55', normal(27, 11), (x) => putColumns(x, odd27, 55)],
  ['join 5 + 55 into 60', slow, (x) => joinColumns([x, fast], [slowIdx, fastIdx], 60)],
  ['slice 621 of 690', out690, (x) => sliceColumns(x, 0, 621)],
  ['strided slice 55 of 110', affine, (x) => sliceColumns(x, 0, 55, 2)],
  ['concat 3 + 2 + 2 + 5', feats[0], (x) => concatColumns([x, ...feats.slice(1)])],
];
const results = [];
for (const [name, x, f] of cases) {
  const w = tf.randomUniform(f(x).shape, -1, 1, 'float32', 12);
  for (const pass of ['forward', 'forward+gradient']) {
    const fn = pass === 'forward' ? () => f(x) : () => tf.grad((v) => tf.sum(tf.mul(f(v), w)))(x);
    const [off, on] = pair(fn);
    results.push({
      backend,
      case: name,
      pass,
      beforeMs: +off.toFixed(4),
      kernelMs: +on.toFixed(4),
      speedup: +(off / on).toFixed(2),
    });
  }
}
writeResults('column-kernels', results);
