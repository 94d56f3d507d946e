// The transform checks against closed-form maps: exponential polar coordinates (square, log|det J|
// = 2s) and a circle embedded in the plane (1 → 2 coordinates, ½ log det JᵀJ = log R), and
// broken variants of them.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { selectBackend } from '../backend.js';
import type { CoordinateTransform } from '../contracts/transform.js';
import { API_VERSION, defineTransform } from '../plugin.js';
import {
  checkTransformFloat32,
  checkTransformLogDet,
  checkTransformRoundTrip,
  halfLogDetGram,
  runPluginConformance,
} from './index.js';

before(async () => {
  await selectBackend('wasm');
});

test('halfLogDetGram: ½ log det(JᵀJ) of square, tall and rank-deficient matrices', () => {
  assert.ok(Math.abs(halfLogDetGram(Float64Array.from([3, 4]), 2, 1) - Math.log(5)) < 1e-15);
  assert.ok(Math.abs(halfLogDetGram(Float64Array.from([2, 0, 0, 3, 0, 0]), 3, 2) - Math.log(6)) < 1e-15);
  assert.ok(Math.abs(halfLogDetGram(Float64Array.from([1, 2, 3, 4]), 2, 2) - Math.log(2)) < 1e-14);
  // Rows (1, 1), (1, −1), (0, 2): JᵀJ = [[2, 0], [0, 6]], det 12.
  assert.ok(Math.abs(halfLogDetGram(Float64Array.from([1, 1, 1, -1, 0, 2]), 3, 2) - 0.5 * Math.log(12)) < 1e-14);
  assert.ok(Number.isNaN(halfLogDetGram(Float64Array.from([1, 2, 2, 4]), 2, 2)));
});

interface Flaws {
  logDetFactor?: number;
  inverseShift?: number;
  float32Shift?: number;
}

/** y = (s, θ) ↦ x = e^s (cos θ, sin θ); det J = e^{2s}. */
function expPolar(f: Flaws = {}): CoordinateTransform & { circular: number[] } {
  const c = f.logDetFactor ?? 1;
  return {
    name: 'exp-polar',
    inputDimension: 2,
    outputDimension: 2,
    circular: [0, 1],
    forward: (y) =>
      tf.tidy(() => {
        const [s, th] = tf.split(y, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
        const r = tf.exp(s);
        const x = tf.concat([tf.mul(r, tf.cos(th)), tf.mul(r, tf.sin(th))], 1) as tf.Tensor2D;
        return {
          x: tf.add(x, f.float32Shift ?? 0) as tf.Tensor2D,
          logDetJ: tf.mul(tf.reshape(s, [-1]), 2 * c) as tf.Tensor1D,
        };
      }),
    forward64(y, n) {
      const x = new Float64Array(2 * n),
        logDetJ = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const [s, th] = [y[2 * i]!, y[2 * i + 1]!];
        x[2 * i] = Math.exp(s) * Math.cos(th);
        x[2 * i + 1] = Math.exp(s) * Math.sin(th);
        logDetJ[i] = 2 * c * s;
      }
      return { x, logDetJ };
    },
    inverse64(x, n) {
      const y = new Float64Array(2 * n),
        logDetJ = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const s = Math.log(Math.hypot(x[2 * i]!, x[2 * i + 1]!));
        y[2 * i] = s + (f.inverseShift ?? 0);
        y[2 * i + 1] = Math.atan2(x[2 * i + 1]!, x[2 * i]!);
        logDetJ[i] = -2 * c * s;
      }
      return { y, logDetJ };
    },
  };
}

/** y = θ ↦ x = R (cos θ, sin θ) with R = 1.7: a curve in the plane, volume factor R. */
function circle(logDetJ = Math.log(1.7)): CoordinateTransform & { circular: number[] } {
  const R = 1.7;
  return {
    name: 'circle',
    inputDimension: 1,
    outputDimension: 2,
    circular: [1],
    forward: (y) =>
      tf.tidy(() => ({
        x: tf.concat([tf.mul(tf.cos(y), R), tf.mul(tf.sin(y), R)], 1) as tf.Tensor2D,
        logDetJ: tf.fill([y.shape[0]], logDetJ) as tf.Tensor1D,
      })),
    forward64: (y, n) => ({
      x: Float64Array.from({ length: 2 * n }, (_, j) => R * (j % 2 ? Math.sin(y[j >> 1]!) : Math.cos(y[j >> 1]!))),
      logDetJ: new Float64Array(n).fill(logDetJ),
    }),
    inverse64: (x, n) => ({
      y: Float64Array.from({ length: n }, (_, i) => Math.atan2(x[2 * i + 1]!, x[2 * i]!)),
      logDetJ: new Float64Array(n).fill(-logDetJ),
    }),
  };
}

function plugin(name: string, t: () => CoordinateTransform) {
  return defineTransform<Record<string, never>>({
    name,
    version: '1.0.0',
    apiVersion: API_VERSION,
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    create: t,
  });
}

test('closed-form transforms pass: square (exp-polar) and 1 → 2 (circle, ½ log det JᵀJ = log R)', async () => {
  for (const t of [expPolar, () => circle()]) {
    const results = await runPluginConformance(plugin('closed-form', t));
    assert.deepEqual(
      results.map((r) => r.check),
      ['descriptor and schema-valid defaults', 'create', 'transform round trip', 'log-Jacobian', 'float32 forward'],
    );
  }
  assert.match(checkTransformLogDet(circle()), /5 configurations, J 2 × 1/);
});

test('a log-Jacobian wrong by a constant factor passes the round trip and fails the log-Jacobian check', async () => {
  const results = await runPluginConformance(
    plugin('doubled', () => expPolar({ logDetFactor: 2 })),
    {
      throwOnFailure: false,
    },
  );
  assert.deepEqual(
    results.filter((r) => !r.passed).map((r) => r.check),
    ['log-Jacobian'],
  );
  assert.throws(
    () => checkTransformLogDet(expPolar({ logDetFactor: 2 })),
    /log-Jacobian: exp-polar: configuration 0 \(standard normal\): logDetJ .* but ½ log det\(JᵀJ\) by finite differences/,
  );
  // A curve whose volume factor is reported as 1 instead of R.
  assert.throws(
    () => checkTransformLogDet(circle(0)),
    /circle: .*logDetJ 0 but ½ log det\(JᵀJ\) by finite differences 0\.53/,
  );
});

test('an inverse that does not undo forward fails the round trip; a float32 forward off by 0.01 fails its check', () => {
  assert.throws(
    () => checkTransformRoundTrip(expPolar({ inverseShift: 1e-3 })),
    /transform round trip: exp-polar: configuration 0 \(standard normal\): coordinate 0 is .* after forward64 then inverse64/,
  );
  checkTransformRoundTrip(expPolar());
  assert.throws(
    () => checkTransformFloat32(expPolar({ float32Shift: 0.01 })),
    /float32 forward: exp-polar: .*output 0 is/,
  );
});

test('a transform that cannot be created is reported whatever the filters', async () => {
  const broken = plugin('broken', () => {
    throw new Error('needs the run force field');
  });
  const results = await runPluginConformance(broken, { include: ['log-Jacobian'], throwOnFailure: false });
  assert.deepEqual(results, [{ check: 'create', passed: false, detail: 'needs the run force field' }]);
});
