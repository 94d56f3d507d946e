import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import '@embedcg/core/tf/backend-wasm';
import { createRng } from '@embedcg/core';
import { splineForward, splineInverse, splineParameterCount } from './spline.js';
import { circularSplineForward, circularSplineInverse, circularSplineParameterCount } from './circular-spline.js';

tf.enableProdMode();

type Map = (v: tf.Tensor2D, p: tf.Tensor3D, fused: boolean) => { out: tf.Tensor2D; logDet: tf.Tensor2D };
const shape = { bins: 8, bound: 3, minBin: 1e-3, minDerivative: 1e-3 };
const cshape = { bins: 6, minBin: 1e-3, minDerivative: 1e-3 };
const maps: Record<string, { map: Map; P: number; edge: number }> = {
  'interval forward': {
    map: (v, p, fused) => {
      const r = splineForward(v, p, { ...shape, fused });
      return { out: r.y, logDet: r.logDet };
    },
    P: splineParameterCount(shape.bins),
    edge: shape.bound,
  },
  'interval inverse': {
    map: (v, p, fused) => {
      const r = splineInverse(v, p, { ...shape, fused });
      return { out: r.x, logDet: r.logDet };
    },
    P: splineParameterCount(shape.bins),
    edge: shape.bound,
  },
  'circular forward': {
    map: (v, p, fused) => {
      const r = circularSplineForward(v, p, { ...cshape, fused });
      return { out: r.y, logDet: r.logDet };
    },
    P: circularSplineParameterCount(cshape.bins),
    edge: Math.PI,
  },
  'circular inverse': {
    map: (v, p, fused) => {
      const r = circularSplineInverse(v, p, { ...cshape, fused });
      return { out: r.x, logDet: r.logDet };
    },
    P: circularSplineParameterCount(cshape.bins),
    edge: Math.PI,
  },
};

/** Inputs across and beyond the interval, with the boundaries themselves and points next to them. */
function inputs(n: number, m: number, edge: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const v = Float32Array.from({ length: n * m }, () => (2 * rng.uniform() - 1) * 1.3 * edge);
  const special = [edge, -edge, edge * (1 - 1e-6), -edge * (1 - 1e-6), 0, edge * 1.01, -edge * 1.5];
  special.forEach((s, i) => (v[i * 3] = s));
  return v;
}

/** Raw parameters of order `scale` (4 makes bins narrow or wide and slopes extreme). */
function params(n: number, m: number, P: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * m * P }, () => rng.normal() * scale);
}

function run(map: Map, v: Float32Array, p: Float32Array, n: number, m: number, P: number, fused: boolean) {
  const rng = createRng(7);
  const w = tf.tensor2d(
    Float32Array.from({ length: n * m }, () => rng.normal()),
    [n, m],
  );
  const u = tf.tensor2d(
    Float32Array.from({ length: n * m }, () => rng.normal()),
    [n, m],
  );
  const vt = tf.tensor2d(v, [n, m]);
  const pt = tf.tensor3d(p, [n, m, P]);
  const r = map(vt, pt, fused);
  const [gv, gp] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
    const s = map(a as tf.Tensor2D, b as tf.Tensor3D, fused);
    return tf.add(tf.sum(tf.mul(s.out, w)), tf.sum(tf.mul(s.logDet, u)));
  })([vt, pt]);
  const out = { out: r.out.dataSync(), logDet: r.logDet.dataSync(), gv: gv!.dataSync(), gp: gp!.dataSync() };
  tf.dispose([w, u, vt, pt, r.out, r.logDet, gv!, gp!]);
  return out;
}

/** max|a − b| / max|b| over the entries not in `skip`. */
function maxRel(a: ArrayLike<number>, b: ArrayLike<number>, skip = new Set<number>()): number {
  let scale = 0,
    worst = 0;
  for (let i = 0; i < b.length; i++) {
    if (skip.has(i)) continue;
    scale = Math.max(scale, Math.abs(b[i]!));
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  }
  return worst / scale;
}

// At v = ±B exactly the unfused composition's clip of the bin coordinate may or may not stop the
// gradient, by float32 rounding; the fused op gives the derivative of the spline there (checked
// below against the closed form), so those entries are left out of the gradient comparison.
function boundaryEntries(v: Float32Array, edge: number): Set<number> {
  return new Set([...v.keys()].filter((i) => Math.abs(Math.abs(v[i]!) - Math.fround(edge)) < 1e-6 * edge));
}

// The unfused composition runs in float32, and its own rounding error is of order 1e-5 in places
// (log-derivatives, the inverse's quadratic): the cpu and wasm backends disagree by that much.
// The fused op (Float64 inside) must agree with it within 1e-5, or within twice that disagreement
// where the float32 reference itself is no better.
for (const [name, { map, P, edge }] of Object.entries(maps)) {
  test(`fused ${name} spline matches the unfused composition on wasm and cpu (values and gradients)`, async () => {
    const [n, m] = [96, 5];
    const v = inputs(n, m, edge, 3);
    const p = params(n, m, P, 4);
    const skip = boundaryEntries(v, edge);
    const on = async (backend: string) => {
      await tf.setBackend(backend);
      return { fused: run(map, v, p, n, m, P, true), plain: run(map, v, p, n, m, P, false) };
    };
    const [w, c] = [await on('wasm'), await on('cpu')];
    for (const k of ['out', 'logDet', 'gv', 'gp'] as const) {
      const omit = k === 'gv' || k === 'gp' ? skip : undefined;
      const floor = Math.max(1e-5, 2 * maxRel(w.plain[k], c.plain[k], omit));
      for (const r of [w, c]) {
        const rel = maxRel(r.fused[k], r.plain[k], omit);
        assert.ok(rel < floor, `${k}: max rel ${rel}, allowed ${floor}`);
      }
    }
  });
}

test('with extreme spline parameters the fused op agrees with the unfused one to its float32 accuracy', async () => {
  await tf.setBackend('cpu');
  for (const [name, { map, P, edge }] of Object.entries(maps)) {
    const [n, m] = [96, 5];
    const v = inputs(n, m, edge, 5);
    const p = params(n, m, P, 6, 4);
    const fused = run(map, v, p, n, m, P, true);
    const plain = run(map, v, p, n, m, P, false);
    const skip = boundaryEntries(v, edge);
    // The unfused float32 composition itself differs between the cpu and wasm backends by up to
    // about 1e-4 relative here (log-derivatives of near-flat or near-vertical bins).
    for (const k of ['out', 'logDet', 'gv', 'gp'] as const) {
      const rel = maxRel(fused[k], plain[k], k === 'gv' || k === 'gp' ? skip : undefined);
      assert.ok(rel < 1e-3, `${name} ${k}: max rel ${rel}`);
    }
  }
});

test('at ±B the fused interval spline has slope 1, as the knot derivatives there are 1', () => {
  const [n, m, P] = [4, 2, splineParameterCount(shape.bins)];
  const v = Float32Array.from([3, -3, 3, -3, 3, -3, 3, -3]);
  const p = params(n, m, P, 10);
  for (const map of [maps['interval forward']!.map, maps['interval inverse']!.map]) {
    const r = run(map, v, p, n, m, P, true);
    for (let i = 0; i < v.length; i++) {
      assert.ok(Math.abs(r.out[i]! - v[i]!) < 1e-6, `value at ${v[i]}: ${r.out[i]}`);
    }
    const pt = tf.tensor3d(p, [n, m, P]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(map(a as tf.Tensor2D, pt, true).out))(tf.tensor2d(v, [n, m]));
    for (const gi of g.dataSync()) assert.ok(Math.abs(gi - 1) < 1e-6, `slope ${gi}`);
    tf.dispose([pt, g]);
  }
});

test('the fused interval spline is the identity outside [−B, B], and its round trip is exact', () => {
  const [n, m, P] = [64, 4, splineParameterCount(shape.bins)];
  const x = tf.tensor2d(inputs(n, m, shape.bound, 8), [n, m]);
  const p = tf.tensor3d(params(n, m, P, 9), [n, m, P]);
  const f = splineForward(x, p, { ...shape, fused: true });
  const b = splineInverse(f.y, p, { ...shape, fused: true });
  const [xs, ys, xb, lf, lb] = [x, f.y, b.x, f.logDet, b.logDet].map((t) => t.dataSync()) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  for (let i = 0; i < n * m; i++) {
    if (Math.abs(xs[i]!) > shape.bound) assert.equal(ys[i], xs[i]);
    // y is rounded to float32 in between: an error of ε·B in y is one of ε·B·dx/dy in x.
    const tol = 1e-6 * shape.bound * Math.max(1, Math.exp(-lf[i]!));
    assert.ok(Math.abs(xb[i]! - xs[i]!) < tol, `round trip at ${i}: ${xs[i]} → ${xb[i]}`);
    assert.ok(Math.abs(lf[i]! + lb[i]!) < 1e-3, `log-derivatives at ${i}: ${lf[i]} vs ${lb[i]}`);
  }
  tf.dispose([x, p, f.y, f.logDet, b.x, b.logDet]);
});
