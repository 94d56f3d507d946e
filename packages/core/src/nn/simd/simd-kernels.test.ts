import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@embedcg/core/tf';
import { engineProfile } from '../engine-profile.test.util.js';
import '@embedcg/core/tf/backend-wasm';
import { activations, fusedActivations } from '../activations.js';
import { ACTIVATIONS_WASM_BASE64 } from './activations-wasm.js';
import { SIMD_ACTIVATIONS, setSimdKernelsEnabled, simdColumnSums, type SimdActivation } from './simd-kernels.js';
import { maxRel } from '../../util/max-rel.test.util.js';

tf.enableProdMode();

const SCALE = 1.0507009873554805;
const SCALE_ALPHA = 1.0507009873554805 * 1.6732632423543772;
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** Float64 closed forms of each activation and its derivative. */
const exact: Record<SimdActivation, { f: (x: number) => number; df: (x: number) => number }> = {
  tanh: { f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2 },
  softplus: { f: softplus, df: sigmoid },
  logsigmoid: { f: (x) => -softplus(-x), df: (x) => sigmoid(-x) },
  selu: {
    f: (x) => (x > 0 ? SCALE * x : SCALE_ALPHA * Math.expm1(x)),
    df: (x) => (x > 0 ? SCALE : SCALE_ALPHA * Math.exp(x)),
  },
};

/** A dense grid over [−20, 20], log-spaced magnitudes from 1e-30 to 1e30, and the edges. */
function grid(): Float32Array {
  const xs: number[] = [];
  for (let i = -200000; i <= 200000; i++) xs.push(i * 1e-4 * 1.00007);
  for (let k = -30; k <= 30; k += 0.01) xs.push(10 ** k, -(10 ** k));
  xs.push(0, 9, -9, 87.5, -87.5, 88.8, -88.8, 103, -103, 1e38, -1e38);
  return Float32Array.from(xs);
}

/**
 * The op's values and its gradient of Σ f(x)·c (so dy = c varies). The arrays leave the tidy by
 * assignment: a tidy walks a returned typed array element by element.
 */
function valueAndGrad(f: (x: tf.Tensor) => tf.Tensor, x: Float32Array, c: Float32Array) {
  const out: { value: Float32Array<ArrayBufferLike>; grad: Float32Array<ArrayBufferLike> } = {
    value: new Float32Array(0),
    grad: new Float32Array(0),
  };
  tf.tidy(() => {
    const xt = tf.tensor1d(x);
    const ct = tf.tensor1d(c);
    out.value = f(xt).dataSync() as Float32Array;
    out.grad = tf
      .grad((v: tf.Tensor) => tf.sum(tf.mul(f(v), ct)))(xt)
      .dataSync() as Float32Array;
  });
  return out;
}

const cosines = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.cos(0.37 * i));

for (const backend of ['wasm', 'cpu']) {
  test(`${backend}: each SIMD kernel runs and matches the tfjs op it replaces (values and gradients, 1e-5)`, async () => {
    await tf.setBackend(backend);
    // tfjs's selu takes exp(x) − 1, which loses digits near 0, so elementwise accuracy is judged
    // against Float64 below, and the comparison with tfjs here in the max norm.
    const x = grid().filter((v) => Math.abs(v) < 80);
    const c = cosines(x.length);
    for (const name of SIMD_ACTIVATIONS) {
      const { kernelNames } = await engineProfile(() => fusedActivations[name](tf.tensor1d([0.5])));
      assert.ok(kernelNames.includes(`Embedcg${name}_forward`), `${name} on ${backend}: ${kernelNames}`);
      const ours = valueAndGrad(fusedActivations[name], x, c);
      const theirs = valueAndGrad(activations[name], x, c);
      assert.ok(maxRel(ours.value, theirs.value) < 1e-6, `${name} values on ${backend}`);
      assert.ok(maxRel(ours.grad, theirs.grad) < 1e-5, `${name} gradients on ${backend}`);
    }
  });

  test(`${backend}: float32-accurate against Float64 closed forms over a dense grid incl. large |x|`, async () => {
    await tf.setBackend(backend);
    const x = grid();
    const ones = new Float32Array(x.length).fill(1);
    for (const name of SIMD_ACTIVATIONS) {
      const { value, grad } = valueAndGrad(fusedActivations[name], x, ones);
      let worstF = 0,
        worstD = 0;
      for (let i = 0; i < x.length; i++) {
        const [f, df] = [exact[name].f(x[i]!), exact[name].df(x[i]!)];
        // Relative where the result is a normal float32; subnormal results only to their absolute size.
        if (Math.abs(f) > 1e-37) worstF = Math.max(worstF, Math.abs(value[i]! - f) / Math.abs(f));
        else assert.ok(Math.abs(value[i]! - f) < 1e-37, `${name}(${x[i]}) = ${value[i]}, exact ${f}`);
        // tanh's gradient comes from the saved float32 output, as tfjs's does: 1 − y² carries the
        // rounding of y (2|y|·δy, δy up to 2 ulp here), which dominates where 1 − y² is small.
        const floor = name === 'tanh' ? 2 ** -22 : 0;
        if (Math.abs(df) > 1e-37) worstD = Math.max(worstD, Math.abs(grad[i]! - df) / (Math.abs(df) + floor / 5e-7));
      }
      assert.ok(worstF < 5e-7, `${name}: worst relative error ${worstF}`);
      assert.ok(worstD < 5e-7, `${name}': worst error ${worstD} (relative, with tanh's absolute floor)`);
    }
  });

  test(`${backend}: gradients match central finite differences of the kernels themselves`, async () => {
    await tf.setBackend(backend);
    // Every point at least 2h from selu's kink at 0.
    const x = Float32Array.from({ length: 41 }, (_, i) => -6 + 0.3 * i + 0.05);
    const h = 1e-2;
    for (const name of SIMD_ACTIVATIONS) {
      const f = fusedActivations[name];
      const { grad } = valueAndGrad(f, x, new Float32Array(x.length).fill(1));
      const at = (d: number) =>
        valueAndGrad(
          f,
          x.map((v) => v + d),
          x,
        ).value;
      const [p, m, p2, m2] = [at(h), at(-h), at(2 * h), at(-2 * h)];
      const fd = x.map((_, i) => (8 * (p[i]! - m[i]!) - (p2[i]! - m2[i]!)) / (12 * h));
      assert.ok(maxRel(grad, fd) < 1e-4, `${name}: ${maxRel(grad, fd)}`);
    }
  });

  test(`${backend}: edge cases — ±0, NaN, ±Infinity, tails of 1–7 elements, empty`, async () => {
    await tf.setBackend(backend);
    const edge = Float32Array.from([0, -0, NaN, Infinity, -Infinity, 1e-40, -1e-40]);
    for (const name of SIMD_ACTIVATIONS) {
      const ours = valueAndGrad(fusedActivations[name], edge, new Float32Array(edge.length).fill(1));
      const theirs = valueAndGrad(activations[name], edge, new Float32Array(edge.length).fill(1));
      assert.ok(Number.isNaN(ours.value[2]!) && Number.isNaN(ours.grad[2]!), `${name}: NaN propagates`);
      // ±0 and ±∞ exactly (the sign of a zero result differs between tfjs's own cpu and wasm selu);
      // subnormal inputs within the smallest normal.
      for (const i of [0, 1, 3, 4]) assert.ok(ours.value[i] === theirs.value[i], `${name}(${edge[i]})`);
      for (const i of [5, 6]) assert.ok(Math.abs(ours.value[i]! - theirs.value[i]!) <= 1.2e-38, `${name}(${edge[i]})`);
      for (const i of [0, 1, 3, 4, 5, 6])
        assert.ok(Math.abs(ours.grad[i]! - theirs.grad[i]!) < 1e-6, `${name}'(${edge[i]})`);
      for (let n = 0; n <= 7; n++) {
        const x = Float32Array.from({ length: n }, (_, i) => 0.8 * i - 2.1);
        const got = valueAndGrad(fusedActivations[name], x, cosines(n));
        const want = valueAndGrad(activations[name], x, cosines(n));
        assert.equal(got.value.length, n);
        if (n > 0)
          assert.ok(maxRel(got.value, want.value) < 1e-6 && maxRel(got.grad, want.grad) < 1e-5, `${name}, n = ${n}`);
      }
    }
    assert.ok(Object.is(fusedActivations.tanh(tf.tensor1d([-0])).dataSync()[0], -0), 'tanh(−0) = −0');
  });

  test(`${backend}: works inside tf.variableGrads on 2-D tensors, and switched off is the tfjs op bit for bit`, async () => {
    await tf.setBackend(backend);
    const init = Float32Array.from({ length: 6 * 5 }, (_, i) => Math.sin(i) * 3);
    for (const name of SIMD_ACTIVATIONS) {
      const v = tf.variable(tf.tensor2d(init, [6, 5]), true, `simd-test/${backend}/${name}`);
      const grads = (f: (x: tf.Tensor) => tf.Tensor) =>
        tf.variableGrads(() => tf.sum(tf.square(f(v))) as tf.Scalar, [v]).grads[v.name]!.dataSync();
      assert.ok(maxRel(grads(fusedActivations[name]), grads(activations[name])) < 1e-5, name);
      setSimdKernelsEnabled(false);
      try {
        assert.deepEqual(grads(fusedActivations[name]), grads(activations[name]));
      } finally {
        setSimdKernelsEnabled(true);
      }
      v.dispose();
    }
  });
}

for (const backend of ['wasm', 'cpu'])
  test(`${backend}: column sums equal tf.sum(x, 0) for every block and tail width, and for no rows`, async () => {
    await tf.setBackend(backend);
    for (const [rows, cols] of [
      [0, 5],
      [1, 1],
      [3, 3],
      [7, 4],
      [5, 17],
      [64, 37],
      [513, 100],
    ] as const) {
      const x = tf.tensor2d(
        Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(1.3 * i) * (1 + (i % 7))),
        [rows, cols],
      );
      const ours = simdColumnSums(x).dataSync();
      // With no rows the sum is 0 (tfjs-backend-wasm's Sum returns uninitialised memory there).
      const theirs = rows === 0 ? new Float32Array(cols) : tf.sum(x, 0).dataSync();
      assert.equal(ours.length, cols);
      // float32 sums in another order: within a few ulp of the sum of magnitudes.
      const bound = 4 * rows * 2 ** -24 * 7;
      for (let j = 0; j < cols; j++) assert.ok(Math.abs(ours[j]! - theirs[j]!) <= bound, `${rows}×${cols} column ${j}`);
      x.dispose();
    }
  });

test('activations-wasm.ts holds the bytes of the committed activations.wasm', () => {
  // Tests run from dist/nn/simd; the .wasm stays in src (tools/build-simd.mjs --check rebuilds it).
  const src = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'nn', 'simd', 'activations.wasm');
  assert.deepEqual(Buffer.from(ACTIVATIONS_WASM_BASE64, 'base64'), readFileSync(src));
});
