import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { engineProfile } from '../engine-profile.test.util.js';
import '@embedcg/core/tf/backend-wasm';
import { createRng } from '../../util/random.js';
import {
  concatColumns,
  joinColumns,
  putColumns,
  setColumnKernelsEnabled,
  sliceColumns,
  takeColumns,
} from './column-kernels.js';

tf.enableProdMode();

const rng = createRng(11);
const normal = (shape: [number, number]) =>
  tf.tensor2d(
    Float32Array.from({ length: shape[0] * shape[1] }, () => rng.normal()),
    shape,
  );

/** The D × k 0/1 matrix whose product picks the columns idx (an empty idx: one zero column). */
function picker(D: number, idx: readonly number[]): tf.Tensor2D {
  const k = Math.max(1, idx.length);
  const m = new Float32Array(D * k);
  idx.forEach((c, j) => (m[c * k + j] = 1));
  return tf.tensor2d(m, [D, k]);
}

const values = (ts: tf.Tensor[]) => ts.map((t) => Array.from(t.dataSync()));

/** take, put and their gradients against Σ(out · w), by `f` (the kernels) and by 0/1 products. */
function takePutAndGradients(D: number, idx: readonly number[], n: number) {
  const k = Math.max(1, idx.length);
  const [x, z, wk, wD] = [normal([n, D]), normal([n, k]), normal([n, k]), normal([n, D])];
  const m = picker(D, idx);
  const mt = tf.transpose(m) as tf.Tensor2D;
  const kernels = [
    takeColumns(x, idx, D),
    putColumns(z, idx, D),
    tf.grad((a: tf.Tensor) => tf.sum(tf.mul(takeColumns(a as tf.Tensor2D, idx, D), wk)))(x),
    tf.grad((a: tf.Tensor) => tf.sum(tf.mul(putColumns(a as tf.Tensor2D, idx, D), wD)))(z),
  ];
  // The gradient of x·M against Σ(x·M)·w is w·Mᵀ.
  const products = [tf.matMul(x, m), tf.matMul(z, mt), tf.matMul(wk, mt), tf.matMul(wD, m)];
  return { kernels: values(kernels), products: values(products) };
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`${backend}: take/put kernels and their gradients equal the 0/1 products bit for bit`, async () => {
    await tf.setBackend(backend);
    for (const [D, idx] of [
      [5, [4, 0, 2]],
      [5, []],
      [5, [1]],
      [6, [1, 2, 3]],
      [4, [0, 1, 2, 3]],
      [55, Array.from({ length: 27 }, (_, j) => 2 * j + 1)],
    ] as Array<[number, number[]]>)
      for (const n of [7, 1, 0]) {
        const r = tf.tidy(() => takePutAndGradients(D, idx, n));
        assert.deepEqual(r.kernels, r.products, `D = ${D}, idx = ${JSON.stringify(idx)}, n = ${n}`);
      }
    const { kernelNames } = await engineProfile(() => [
      takeColumns(normal([3, 4]), [1], 4),
      putColumns(normal([3, 1]), [1], 4),
    ]);
    assert.ok(
      kernelNames.includes('EmbedcgTakeColumns') && kernelNames.includes('EmbedcgPutColumns'),
      `${kernelNames}`,
    );
  });

  test(`${backend}: sliceColumns equals tf.slice (and the strided slice of a reshape), values and gradients`, async () => {
    await tf.setBackend(backend);
    const [n, D] = [9, 12];
    const x = normal([n, D]);
    const w = normal([n, 6]);
    const cases: Array<[number, number, number, (a: tf.Tensor2D) => tf.Tensor]> = [
      [0, 5, 1, (a) => tf.slice(a, [0, 0], [n, 5])],
      [7, 5, 1, (a) => tf.slice(a, [0, 7], [n, 5])],
      [0, 6, 2, (a) => tf.reshape(tf.slice(tf.reshape(a, [n, 6, 2]), [0, 0, 0], [n, 6, 1]), [n, 6])],
      [1, 6, 2, (a) => tf.reshape(tf.slice(tf.reshape(a, [n, 6, 2]), [0, 0, 1], [n, 6, 1]), [n, 6])],
      [2, 4, 3, (a) => tf.reshape(tf.slice(tf.reshape(a, [n, 4, 3]), [0, 0, 2], [n, 4, 1]), [n, 4])],
    ];
    for (const [begin, size, step, reference] of cases) {
      const wk = tf.slice(w, [0, 0], [n, size]);
      const run = (f: (a: tf.Tensor2D) => tf.Tensor) =>
        tf.tidy(() => values([f(x), tf.grad((a: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor2D), wk)))(x)]));
      assert.deepEqual(
        run((a) => sliceColumns(a, begin, size, step)),
        run(reference),
        `${begin} + ${step}·j, j < ${size}`,
      );
      const { kernelNames } = await engineProfile(() => sliceColumns(x, begin, size, step));
      assert.deepEqual(kernelNames, ['EmbedcgTakeColumns']);
    }
    assert.throws(() => sliceColumns(x, 8, 5), /do not fit in 12 columns/);
    assert.throws(() => sliceColumns(x, 0, 0), /do not fit/);
  });

  test(`${backend}: switched off, the copies run as customGrad ops and slices as tf.slice, with the same numbers`, async () => {
    await tf.setBackend(backend);
    const x = normal([5, 8]);
    const on = values([
      takeColumns(x, [6, 1], 8),
      putColumns(x, [7, 0, 1, 2, 3, 4, 5, 6], 8),
      sliceColumns(x, 1, 4, 2),
    ]);
    setColumnKernelsEnabled(false);
    try {
      const off = values([
        takeColumns(x, [6, 1], 8),
        putColumns(x, [7, 0, 1, 2, 3, 4, 5, 6], 8),
        sliceColumns(x, 1, 4, 2),
      ]);
      assert.deepEqual(off, on);
      const { kernelNames } = await engineProfile(() => [takeColumns(x, [6, 1], 8), sliceColumns(x, 2, 3)]);
      assert.ok(!kernelNames.some((k) => k.startsWith('Embedcg')) && kernelNames.includes('Slice'), `${kernelNames}`);
    } finally {
      setColumnKernelsEnabled(true);
    }
  });

  test(`${backend}: joinColumns equals the sum of the 0/1 scatters, and concatColumns tf.concat, values and gradients`, async () => {
    await tf.setBackend(backend);
    for (const [D, idx] of [
      [6, [[4, 0], [2], [1, 3]]],
      [
        5,
        [
          [0, 1, 2],
          [3, 4],
        ],
      ],
      [40, [Array.from({ length: 20 }, (_, j) => 39 - 2 * j), Array.from({ length: 20 }, (_, j) => 2 * j)]],
    ] as Array<[number, number[][]]>)
      for (const n of [7, 0]) {
        const parts = idx.map((cols) => normal([n, cols.length]));
        const w = normal([n, D]);
        const withGrads = (f: (...ps: tf.Tensor[]) => tf.Tensor) =>
          tf.tidy(() => values([f(...parts), ...tf.grads((...ps: tf.Tensor[]) => tf.sum(tf.mul(f(...ps), w)))(parts)]));
        const products = withGrads((...ps) =>
          ps
            .map((p, i) => tf.matMul(p as tf.Tensor2D, tf.transpose(picker(D, idx[i]!))))
            .reduce((a, b) => tf.add(a, b)),
        );
        assert.deepEqual(
          withGrads((...ps) => joinColumns(ps as tf.Tensor2D[], idx, D)),
          products,
          `${JSON.stringify(idx)}, n = ${n}`,
        );
      }
    const parts = [normal([4, 3]), normal([4, 1]), normal([4, 2])];
    const w = normal([4, 6]);
    const withGrads = (f: (...ps: tf.Tensor[]) => tf.Tensor) =>
      tf.tidy(() => values([f(...parts), ...tf.grads((...ps: tf.Tensor[]) => tf.sum(tf.mul(f(...ps), w)))(parts)]));
    assert.deepEqual(
      withGrads((...ps) => concatColumns(ps as tf.Tensor2D[])),
      withGrads((...ps) => tf.concat(ps, 1)),
    );
    const { kernelNames } = await engineProfile(() => concatColumns(parts as tf.Tensor2D[]));
    assert.deepEqual(kernelNames, ['EmbedcgJoinColumns']);
    const join = (...ps: tf.Tensor[]) => joinColumns(ps as tf.Tensor2D[], [[5, 0, 1], [2], [3, 4]], 6);
    const joinOn = withGrads(join);
    setColumnKernelsEnabled(false);
    try {
      assert.deepEqual(withGrads(join), joinOn);
      const off = await engineProfile(() => concatColumns(parts as tf.Tensor2D[]));
      assert.deepEqual(off.kernelNames, ['Concat']);
    } finally {
      setColumnKernelsEnabled(true);
    }
    assert.throws(
      () => joinColumns([parts[0]!, parts[1]!], [[0, 1, 2], [2]], 4),
      /column 2 is outside 0 … 3 or taken twice/,
    );
    assert.throws(() => joinColumns([parts[0]!], [[0, 1]], 4), /part 0 is 4 × 3, not n × 2/);
    assert.throws(() => joinColumns([parts[0]!], [[0, 1, 9]], 4), /column 9 is outside/);
  });

  test(`${backend}: a tensor of the wrong width is refused with its shape`, async () => {
    await tf.setBackend(backend);
    const x = normal([3, 4]);
    assert.throws(() => takeColumns(x, [0, 1], 5), /gather: x must be n × 5, got 3 × 4/);
    assert.throws(() => putColumns(x, [0, 1], 5), /scatter: x must be n × 2, got 3 × 4/);
  });
}
