import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { circularSplineForward, circularSplineInverse, circularSplineParameterCount, wrapAngle64 } from './index.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

const K = 6;
const shape = { bins: K, minBin: 1e-3, minDerivative: 1e-3 };
const P = circularSplineParameterCount(K);
const circDist = (a: number, b: number) => Math.abs(wrapAngle64(a - b));

/** n × 1 × P parameters: row i uses parameter set i % sets (random, scale 1.5, rotation up to ±4). */
function randomParams(n: number, sets: number, seed: number): tf.Tensor3D {
  const rng = createRng(seed);
  const raw = new Float32Array(sets * P);
  for (let s = 0; s < sets; s++) {
    for (let j = 0; j < P; j++) raw[s * P + j] = 1.5 * rng.normal();
    raw[s * P + P - 1] = 8 * (rng.uniform() - 0.5);
  }
  const v = new Float32Array(n * P);
  for (let i = 0; i < n; i++) v.set(raw.subarray((i % sets) * P, ((i % sets) + 1) * P), i * P);
  return tf.tensor3d(v, [n, 1, P]);
}

function anglesWithEdges(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const edges = [-Math.PI, -Math.PI + 1e-6, -Math.PI + 1e-3, Math.PI - 1e-6, Math.PI - 1e-3, 3.1415925, 0];
  return Float32Array.from({ length: n }, (_, i) => (i < edges.length ? edges[i]! : (2 * rng.uniform() - 1) * Math.PI));
}

test('circular spline: zero raw parameters give the identity', () => {
  tf.tidy(() => {
    const n = 200;
    const xs = anglesWithEdges(n, 1);
    const { y, logDet } = circularSplineForward(tf.tensor2d(xs, [n, 1]), tf.zeros([n, 1, P]) as tf.Tensor3D, shape);
    const yv = y.dataSync(),
      ld = logDet.dataSync();
    for (let i = 0; i < n; i++) {
      assert.ok(circDist(yv[i]!, xs[i]!) < 2e-6, `x = ${xs[i]}: y = ${yv[i]}`);
      assert.ok(Math.abs(ld[i]!) < 1e-5, `x = ${xs[i]}: log-derivative ${ld[i]}`);
    }
  });
});

test('circular spline: the inverse undoes the forward map (float32, random parameters, angles near ±π)', () => {
  tf.tidy(() => {
    const n = 2000;
    const xs = anglesWithEdges(n, 2);
    const params = randomParams(n, 37, 3);
    const f = circularSplineForward(tf.tensor2d(xs, [n, 1]), params, shape);
    const yv = f.y.dataSync();
    const inv = circularSplineInverse(f.y, params, shape);
    const xb = inv.x.dataSync(),
      ldf = f.logDet.dataSync(),
      ldi = inv.logDet.dataSync();
    let worst = 0;
    for (let i = 0; i < n; i++) {
      assert.ok(yv[i]! >= -Math.PI && yv[i]! < Math.PI, `y = ${yv[i]} outside [−π, π)`);
      assert.ok(xb[i]! >= -Math.PI && xb[i]! < Math.PI, `x = ${xb[i]} outside [−π, π)`);
      // y is known to float32 rounding (2.4e-7 near π); where the map is nearly flat (random
      // parameters reach dy/dx ~ 1e-5) that alone moves x by ulp/(dy/dx): divide it out.
      worst = Math.max(worst, circDist(xb[i]!, xs[i]!) / (1 + 5e-7 / 1e-5 / Math.exp(ldf[i]!)));
      assert.ok(
        Math.abs(ldf[i]! + ldi[i]!) < 2e-3 * Math.max(1, Math.abs(ldf[i]!)),
        `x = ${xs[i]}: log-derivatives ${ldf[i]}, ${ldi[i]}`,
      );
    }
    assert.ok(worst < 1e-5, `round trip error ${worst}`);
    // And the other way round: forward(inverse(y)) = y.
    const ys = anglesWithEdges(n, 4);
    const fb = circularSplineForward(circularSplineInverse(tf.tensor2d(ys, [n, 1]), params, shape).x, params, shape);
    const back = fb.y.dataSync(),
      ldb = fb.logDet.dataSync();
    let worstY = 0;
    // Here x carries the float32 rounding, amplified by dy/dx where the map is steep.
    for (let i = 0; i < n; i++)
      worstY = Math.max(worstY, circDist(back[i]!, ys[i]!) / (1 + (5e-7 / 1e-5) * Math.exp(ldb[i]!)));
    assert.ok(worstY < 1e-5, `inverse-then-forward error ${worstY}`);
  });
});

/** The x-knots (Float64) of parameter set `set` of {@link randomParams}, −π and π included. */
function knotsOf(params: tf.Tensor3D, set: number): number[] {
  const raw = Array.from(params.slice([set, 0, 0], [1, 1, K]).dataSync());
  const mx = Math.max(...raw);
  const e = raw.map((v) => Math.exp(v - mx));
  const sum = e.reduce((a, v) => a + v, 0);
  const knots = [-Math.PI];
  for (const v of e)
    knots.push(knots[knots.length - 1]! + 2 * Math.PI * ((v / sum) * (1 - shape.minBin * K) + shape.minBin));
  return knots;
}

test('circular spline: the log-derivative matches central finite differences on the circle', () => {
  tf.tidy(() => {
    const n = 600,
      h = 1e-3,
      sets = 11;
    const xs = anglesWithEdges(n, 5);
    const params = randomParams(n, sets, 6);
    const knots = Array.from({ length: sets }, (_, s) => knotsOf(params, s));
    const at = (dx: number) =>
      circularSplineForward(
        tf.tensor2d(
          xs.map((v) => v + dx),
          [n, 1],
        ),
        params,
        shape,
      );
    const ld = at(0).logDet.dataSync();
    const yp = at(h).y.dataSync(),
      ym = at(-h).y.dataSync();
    let checked = 0;
    for (let i = 0; i < n; i++) {
      // A central difference across a knot sees the jump of the second derivative: skip those.
      if (knots[i % sets]!.some((k) => Math.abs(xs[i]! - k) < 2 * h)) continue;
      const fd = wrapAngle64(yp[i]! - ym[i]!) / (2 * h);
      const d = Math.exp(ld[i]!);
      assert.ok(Math.abs(d - fd) < 5e-3 * Math.max(1, d), `x = ${xs[i]}: exp(logDet) ${d} vs finite difference ${fd}`);
      checked++;
    }
    assert.ok(checked > n * 0.8, `only ${checked} points checked`);
  });
});

test('circular spline: periodic — value and derivative at −π match those at +π', () => {
  tf.tidy(() => {
    const sets = 25;
    const params = randomParams(2 * sets, sets, 7);
    // Rows 0..sets−1 at −π, rows sets..2·sets−1 at π (the float32 angles nearest inside [−π, π)).
    const edge = 3.1415925;
    const xs = Float32Array.from({ length: 2 * sets }, (_, i) => (i < sets ? -edge : edge));
    const { y, logDet } = circularSplineForward(tf.tensor2d(xs, [2 * sets, 1]), params, shape);
    const yv = y.dataSync(),
      ld = logDet.dataSync();
    for (let s = 0; s < sets; s++) {
      const dLo = Math.exp(ld[s]!),
        dHi = Math.exp(ld[s + sets]!);
      assert.ok(Math.abs(dLo - dHi) < 1e-3 * Math.max(1, dLo), `set ${s}: derivative ${dLo} at −π vs ${dHi} at +π`);
      // f(π) = f(−π) + 2π: on the circle the two values coincide.
      assert.ok(
        circDist(yv[s]!, yv[s + sets]!) < 1e-5 * Math.max(dLo, 1),
        `set ${s}: f(−π) = ${yv[s]}, f(π) = ${yv[s + sets]}`,
      );
    }
    // Without the rotation the spline fixes the ends: f(−π) = −π and f(π) = −π + 2π.
    const noRot = tf.concat(
      [tf.slice(params, [0, 0, 0], [2 * sets, 1, P - 1]), tf.zeros([2 * sets, 1, 1])],
      2,
    ) as tf.Tensor3D;
    const y0 = circularSplineForward(tf.tensor2d(xs, [2 * sets, 1]), noRot, shape).y.dataSync();
    for (let s = 0; s < sets; s++) {
      assert.ok(Math.abs(y0[s]! + Math.PI) < 1e-5, `set ${s}: f(−π) = ${y0[s]}`);
      assert.ok(circDist(y0[s + sets]!, Math.PI) < 1e-5, `set ${s}: f(π) = ${y0[s + sets]}`);
    }
  });
});

test('circular spline: gradients with respect to the parameters exist on this backend and are finite', () => {
  tf.tidy(() => {
    const n = 64;
    const xs = anglesWithEdges(n, 8);
    const params = randomParams(n, 5, 9);
    const g = tf.grad((p: tf.Tensor) => {
      const f = circularSplineForward(tf.tensor2d(xs, [n, 1]), p as tf.Tensor3D, shape);
      return tf.add(tf.sum(tf.sin(f.y)), tf.sum(f.logDet));
    })(params);
    const gv = g.dataSync();
    assert.ok(
      gv.every((v) => Number.isFinite(v)),
      'non-finite gradient',
    );
    assert.ok(
      gv.some((v) => Math.abs(v) > 1e-3),
      'all-zero gradient',
    );
  });
});
