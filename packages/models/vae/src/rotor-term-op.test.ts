import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { rotorImageCount, rotorLogMixture } from './rotor-symmetry.js';
import { rotorTermOp } from './rotor-term-op.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

const [n, D] = [97, 7];
const rotors = [1, 4, 6];
const scales = [0.9, 1.3, 0.4];
const period = Float64Array.from(scales, (s) => (2 * Math.PI) / (3 * s));
const images = rotorImageCount(scales);

/** The composition rotor-density.ts runs when not fused: sliced rotor columns through rotorLogMixture. */
function composed(eps: tf.Tensor2D, lv: tf.Tensor2D): tf.Tensor1D {
  const cols = (t: tf.Tensor2D) =>
    tf.concat(
      rotors.map((c) => tf.slice(t, [0, c], [t.shape[0], 1])),
      1,
    ) as tf.Tensor2D;
  const a = tf.mul(tf.tensor2d(Float32Array.from(period), [1, 3]), tf.exp(tf.mul(cols(lv), -0.5))) as tf.Tensor2D;
  return tf.sum(rotorLogMixture(cols(eps), a, images), 1) as tf.Tensor1D;
}

for (const shared of [false, true])
  test(`rotorTermOp (${shared ? 'shared 1 × D' : 'n × D'} log-variances): values and gradients equal the composed rotor term`, () => {
    const rng = createRng(17);
    // Residuals near μ and several periods away; log-variances from a tight σ to the clamp's widest.
    const eps = tf.tensor2d(
      Float32Array.from(rng.fillNormal(new Float32Array(n * D)), (v, i) => (i % 5 === 0 ? 25 * v : v)),
      [n, D],
    );
    const rows = shared ? 1 : n;
    const lv = tf.tensor2d(
      Float32Array.from({ length: rows * D }, (_, i) => -8 + 13 * ((i * 0.618) % 1)),
      [rows, D],
    );
    const probe = tf.tensor1d(rng.fillNormal(new Float32Array(n)) as Float32Array);
    const loss = (f: typeof composed) => (e: tf.Tensor, l: tf.Tensor) =>
      tf.sum(tf.mul(f(e as tf.Tensor2D, l as tf.Tensor2D), probe));
    const ours = (e: tf.Tensor2D, l: tf.Tensor2D) => rotorTermOp(e, l, rotors, period, images);
    const [v1, v0] = [ours, composed].map((f) => tf.tidy(() => f(eps, lv).dataSync()));
    for (let i = 0; i < n; i++)
      assert.ok(Math.abs(v1![i]! - v0![i]!) <= 2e-5 * (1 + Math.abs(v0![i]!)), `value ${i}: ${v1![i]} vs ${v0![i]}`);
    const [g1, g0] = [ours, composed].map((f) =>
      tf.tidy(() =>
        tf
          .grads(loss(f))([eps, lv])
          .map((g) => g.dataSync()),
      ),
    );
    for (let k = 0; k < 2; k++) {
      const scale = Math.max(...Array.from(g0![k]!, Math.abs));
      g0![k]!.forEach((b, i) => {
        const a = g1![k]![i]!;
        assert.ok(
          Math.abs(a - b) <= 1e-5 * scale + 1e-4 * Math.abs(b),
          `${k ? 'log-variance' : 'ε'} gradient ${i}: ${a} vs ${b}`,
        );
      });
    }
    tf.dispose([eps, lv, probe]);
  });
