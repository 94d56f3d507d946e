import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import '@embedcg/core/tf/backend-wasm';
import { createRng } from '../../util/random.js';
import { angleIndex, bondIndex, torsionIndex, validateZMatrix, type ZMatrixRow } from './z-matrix.js';
import { internalToCartesianTf } from './internal-coordinates-tf.js';
import { internalToCartesianFused, placeAtomsAdjoint64 } from './internal-coordinates-fused.js';
import { logDetJ64, placeAtoms64 } from './internal-coordinates-64.js';
import { maxRel } from '../../util/max-rel.test.util.js';

tf.enableProdMode();

// A branched 9-atom molecule; `axisBonded` puts row 2 on the axis atom (ux2 = −1).
function zMatrix(axisBonded: boolean): ZMatrixRow[] {
  const rows = [[0], [1, 0], axisBonded ? [2, 1, 0] : [2, 0, 1], [3, 2, 1, 0], [4, 3, 2, 1], [5, 3, 2, 4]];
  rows.push([6, 1, 2, 3], [7, 4, 3, 2], [8, 2, 3, 5]);
  return validateZMatrix(rows, 9);
}

/** n random internal coordinates: bonds 0.1–0.2, angles 0.3–2.8 (away from 0 and π), torsions anywhere on (−4, 4). */
function randomY(n: number, N: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const d = 3 * N - 6;
  const y = new Float32Array(n * d);
  for (let f = 0; f < n; f++) {
    for (let r = 1; r < N; r++) y[f * d + bondIndex(r)] = 0.1 + 0.1 * rng.uniform();
    for (let r = 2; r < N; r++) y[f * d + angleIndex(r, N)] = 0.3 + 2.5 * rng.uniform();
    for (let r = 3; r < N; r++) y[f * d + torsionIndex(r, N)] = -4 + 8 * rng.uniform();
  }
  return y;
}

/** Values and gradients of Σ w·x + Σ v·logDetJ through `map`, with fixed random weights. */
function valueAndGrad(map: typeof internalToCartesianTf, y: Float32Array, n: number, zm: ZMatrixRow[], ux2: number) {
  const N = zm.length;
  const rng = createRng(99);
  const w = tf.tensor2d(
    Float32Array.from({ length: n * 3 * N }, () => rng.normal()),
    [n, 3 * N],
  );
  const v = tf.tensor1d(Float32Array.from({ length: n }, () => rng.normal()));
  const yt = tf.tensor2d(y, [n, 3 * N - 6]);
  const { x, logDetJ } = map(yt, zm, ux2);
  const g = tf.grad((u: tf.Tensor) => {
    const r = map(u as tf.Tensor2D, zm, ux2);
    return tf.add(tf.sum(tf.mul(r.x, w)), tf.sum(tf.mul(r.logDetJ, v)));
  })(yt);
  const out = { x: x.dataSync(), logDetJ: logDetJ.dataSync(), grad: g.dataSync() };
  tf.dispose([w, v, yt, x, logDetJ, g]);
  return out;
}

for (const backend of ['wasm', 'cpu']) {
  test(`${backend}: the fused internal-coordinate op matches the unfused composition (values and gradients)`, async () => {
    await tf.setBackend(backend);
    for (const axisBonded of [false, true]) {
      const zm = zMatrix(axisBonded);
      const ux2 = axisBonded ? -1 : 1;
      const n = 64;
      const y = randomY(n, zm.length, axisBonded ? 5 : 6);
      const fused = valueAndGrad(internalToCartesianFused, y, n, zm, ux2);
      const plain = valueAndGrad(internalToCartesianTf, y, n, zm, ux2);
      assert.ok(maxRel(fused.x, plain.x) < 1e-5, `x: ${maxRel(fused.x, plain.x)}`);
      assert.ok(maxRel(fused.logDetJ, plain.logDetJ) < 1e-5, `logDetJ: ${maxRel(fused.logDetJ, plain.logDetJ)}`);
      assert.ok(maxRel(fused.grad, plain.grad) < 1e-5, `gradient: ${maxRel(fused.grad, plain.grad)}`);
    }
  });
}

test('the Float64 adjoint of the NeRF placement matches fourth-order finite differences to 1e-10', () => {
  for (const axisBonded of [false, true]) {
    const zm = zMatrix(axisBonded);
    const ux2 = axisBonded ? -1 : 1;
    const N = zm.length;
    const [D, d] = [3 * N, 3 * N - 6];
    const y = Float64Array.from(randomY(1, N, 11));
    const rng = createRng(12);
    const w = Float64Array.from({ length: D }, () => rng.normal());
    const v = 0.7;
    const loss = (u: Float64Array) => {
      const x = new Float64Array(D);
      placeAtoms64(u, 0, x, 0, zm, ux2);
      return x.reduce((a, xi, i) => a + xi * w[i]!, 0) + v * logDetJ64(u, 0, N);
    };
    const x = new Float64Array(D);
    placeAtoms64(y, 0, x, 0, zm, ux2);
    const gy = new Float64Array(d);
    placeAtomsAdjoint64(y, 0, x, Float64Array.from(w), 0, v, gy, zm, ux2);
    const h = 2e-4;
    const fd = Float64Array.from({ length: d }, (_, i) => {
      const at = (s: number) => {
        const u = Float64Array.from(y);
        u[i] = u[i]! + s * h;
        return loss(u);
      };
      return (8 * (at(0.5) - at(-0.5)) - (at(1) - at(-1))) / (6 * h);
    });
    const rel = maxRel(gy, fd);
    assert.ok(rel < 1e-10, `adjoint vs finite differences: ${rel}`);
  }
});
