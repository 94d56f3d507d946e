import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { createFlowModel, splineForward, splineInverse, type FlowOptions } from './index.js';
import { scalesByKind } from './plugin.js';
import { assertDrawDensityMatches, logAbsDet, setupBackend } from './setup.test.util.js';

before(setupBackend);

// A non-trivial flow: conditioners with full-size random last layers (finalLayerScale 1), a small
// spline interval so that some points use the linear tails, and a non-unit output map.
const variants: Array<{ label: string; options: Partial<FlowOptions> }> = [
  {
    label: 'spline',
    options: {
      coupling: 'spline',
      layers: 4,
      hidden: [8],
      bins: 5,
      bound: 1.5,
      finalLayerScale: 1,
      outputScale: 0.7,
      scope: 't-spline',
    },
  },
  {
    label: 'affine',
    options: { coupling: 'affine', layers: 4, hidden: [8], finalLayerScale: 1, outputScale: 0.7, scope: 't-affine' },
  },
  // Per-dimension scales spanning stiff (bond-like) to soft (torsion-like) coordinates.
  {
    label: 'spline, per-dimension scales',
    options: {
      coupling: 'spline',
      layers: 4,
      hidden: [8],
      bins: 5,
      bound: 1.5,
      finalLayerScale: 1,
      outputScales: [0.7, 1.6, 0.004],
      scope: 't-scales',
    },
  },
];

/** The variant's per-dimension scales, repeated or cut to dimension D. */
function sized(options: Partial<FlowOptions>, D: number): Partial<FlowOptions> {
  const s = options.outputScales;
  return s ? { ...options, outputScales: Array.from({ length: D }, (_, i) => s[i % s.length]!) } : options;
}

function perturbOutputLayer(model: ReturnType<typeof createFlowModel>): void {
  // The output affine layer starts at the identity; give it values so the test exercises it.
  for (const v of model.variables()) {
    if (v.name.endsWith('/output/logScale'))
      v.assign(tf.tensor1d(Array.from({ length: v.shape[0]! }, (_, i) => 0.3 - 0.2 * i)));
    if (v.name.endsWith('/output/shift'))
      v.assign(tf.tensor1d(Array.from({ length: v.shape[0]! }, (_, i) => 0.1 * (i + 1))));
  }
}

for (const { label, options } of variants) {
  test(`${label} flow: log|det J| equals the log-determinant of the autodiff Jacobian`, () => {
    const D = 3;
    const model = createFlowModel(sized(options, D), { dimension: D, seed: 4, outputMean: [0.5, -1, 2] });
    try {
      perturbOutputLayer(model);
      const n = 12;
      const eps = tf.tensor2d(
        createRng(9)
          .fillNormal(new Float32Array(n * D))
          .map((v) => v * 1.6) as Float32Array,
        [n, D],
      );
      const { logDet } = model.forward(eps);
      const ld = logDet.dataSync();
      // Rows are independent, so d(Σ_rows y_i)/dε gives row r's ∂y_i/∂ε in row r.
      const jac = new Float64Array(n * D * D);
      for (let i = 0; i < D; i++) {
        const g = tf.grad((e: tf.Tensor) => tf.sum(tf.slice(model.forward(e as tf.Tensor2D).y, [0, i], [n, 1])))(eps);
        const gv = g.dataSync();
        for (let r = 0; r < n; r++) for (let j = 0; j < D; j++) jac[r * D * D + i * D + j] = gv[r * D + j]!;
        g.dispose();
      }
      let nonTrivial = 0;
      for (let r = 0; r < n; r++) {
        const ref = logAbsDet(jac.subarray(r * D * D, (r + 1) * D * D), D);
        assert.ok(
          Math.abs(ld[r]! - ref) < 2e-4 * Math.max(1, Math.abs(ref)),
          `row ${r}: logDetJ ${ld[r]} vs autodiff ${ref}`,
        );
        if (Math.abs(ref - D * Math.log(0.7)) > 0.1) nonTrivial++;
      }
      assert.ok(nonTrivial > n / 2, 'the test flow is too close to a scaling to test anything');
      tf.dispose([eps, logDet]);
    } finally {
      model.dispose();
    }
  });

  test(`${label} flow: the inverse undoes the forward map and negates the log-determinant`, () => {
    const D = 4;
    const model = createFlowModel(sized(options, D), { dimension: D, seed: 5 });
    try {
      perturbOutputLayer(model);
      const n = 200;
      const epsValues = createRng(3)
        .fillNormal(new Float32Array(n * D))
        .map((v) => v * 2) as Float32Array;
      const eps = tf.tensor2d(epsValues, [n, D]);
      const f = model.forward(eps);
      const inv = model.inverse(f.y);
      const back = inv.eps.dataSync();
      let worst = 0;
      for (let k = 0; k < n * D; k++) worst = Math.max(worst, Math.abs(back[k]! - epsValues[k]!));
      assert.ok(worst < 2e-4, `round trip error ${worst}`);
      const a = f.logDet.dataSync(),
        b = inv.logDet.dataSync();
      for (let r = 0; r < n; r++)
        assert.ok(
          Math.abs(a[r]! + b[r]!) < 2e-4 * Math.max(1, Math.abs(a[r]!)),
          `row ${r}: forward ${a[r]}, inverse ${b[r]}`,
        );
      tf.dispose([eps, f.y, f.logDet, inv.eps, inv.logDet]);
    } finally {
      model.dispose();
    }
  });

  test(`${label} flow: logProb of drawn samples equals the logQ of the draw`, () => {
    const model = createFlowModel(sized(options, 2), { dimension: 2, seed: 6 });
    try {
      assertDrawDensityMatches(model, 300, 1);
    } finally {
      model.dispose();
    }
  });
}

test('the density integrates to 1: 1-D by the trapezoid rule, 2-D on a grid', () => {
  for (const { label, options } of variants) {
    const m1 = createFlowModel(
      { ...sized(options, 1), scope: `${options.scope}-1d` },
      { dimension: 1, seed: 2, outputMean: [0.4] },
    );
    try {
      perturbOutputLayer(m1);
      const N = 24001,
        lo = -12,
        hi = 12,
        h = (hi - lo) / (N - 1);
      const grid = Float32Array.from({ length: N }, (_, i) => lo + i * h);
      const p = tf.tidy(() => tf.exp(m1.logProb(tf.tensor2d(grid, [N, 1]))).dataSync());
      let s = 0;
      for (let i = 0; i < N; i++) s += (i === 0 || i === N - 1 ? 0.5 : 1) * p[i]!;
      assert.ok(Math.abs(s * h - 1) < 2e-3, `${label} 1-D: ∫q = ${s * h}`);
    } finally {
      m1.dispose();
    }
    const m2 = createFlowModel({ ...sized(options, 2), scope: `${options.scope}-2d` }, { dimension: 2, seed: 3 });
    try {
      perturbOutputLayer(m2);
      const N = 301,
        lo = -9,
        hi = 9,
        h = (hi - lo) / (N - 1);
      const pts = new Float32Array(N * N * 2);
      for (let i = 0; i < N; i++)
        for (let j = 0; j < N; j++) {
          pts[2 * (i * N + j)] = lo + i * h;
          pts[2 * (i * N + j) + 1] = lo + j * h;
        }
      const p = tf.tidy(() => tf.exp(m2.logProb(tf.tensor2d(pts, [N * N, 2]))).dataSync());
      let s = 0;
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < N; j++) {
          const w = (i === 0 || i === N - 1 ? 0.5 : 1) * (j === 0 || j === N - 1 ? 0.5 : 1);
          s += w * p[i * N + j]!;
        }
      }
      assert.ok(Math.abs(s * h * h - 1) < 5e-3, `${label} 2-D: ∫q = ${s * h * h}`);
    } finally {
      m2.dispose();
    }
  }
});

test('a fresh flow (finalLayerScale 0) is the identity around the reference: y = m + s·ε', () => {
  const model = createFlowModel(
    { layers: 3, hidden: [8], outputScale: 0.5, scope: 't-identity' },
    { dimension: 3, seed: 1, outputMean: [1, 2, 3] },
  );
  try {
    const rng = createRng(8);
    const eps = rng.fillNormal(new Float32Array(30)) as Float32Array;
    const d = model.draw(10, createRng(8));
    const y = d.y.dataSync(),
      lq = d.logQ.dataSync();
    for (let i = 0; i < 10; i++) {
      let e2 = 0;
      for (let k = 0; k < 3; k++) {
        assert.ok(Math.abs(y[i * 3 + k]! - (k + 1 + 0.5 * eps[i * 3 + k]!)) < 1e-5);
        e2 += eps[i * 3 + k]! ** 2;
      }
      const ref = -0.5 * e2 - 1.5 * Math.log(2 * Math.PI) - 3 * Math.log(0.5);
      assert.ok(Math.abs(lq[i]! - ref) < 1e-4, `logQ ${lq[i]} vs N(m, s²I) ${ref}`);
    }
    tf.dispose([d.y, d.logQ]);
  } finally {
    model.dispose();
  }
});

test('spline: monotone, identity in the tails, derivative matches autodiff, analytic inverse', () => {
  const n = 400,
    K = 6,
    B = 2;
  const shape = { bins: K, bound: B, minBin: 1e-3, minDerivative: 1e-3 };
  const xs = Float32Array.from({ length: n }, (_, i) => -3 + (6 * i) / (n - 1));
  const raw = createRng(5)
    .fillNormal(new Float32Array(3 * K - 1))
    .map((v) => 1.5 * v) as Float32Array;
  tf.tidy(() => {
    const x = tf.tensor2d(xs, [n, 1]);
    const params = tf.tile(tf.tensor3d(raw, [1, 1, 3 * K - 1]), [n, 1, 1]) as tf.Tensor3D;
    const { y, logDet } = splineForward(x, params, shape);
    const yv = y.dataSync(),
      ld = logDet.dataSync();
    const dydx = tf
      .grad((t: tf.Tensor) => tf.sum(splineForward(t as tf.Tensor2D, params, shape).y))(x)
      .dataSync();
    for (let i = 0; i < n; i++) {
      if (i > 0) assert.ok(yv[i]! > yv[i - 1]!, `not increasing at x = ${xs[i]}`);
      if (Math.abs(xs[i]!) > B) {
        assert.equal(yv[i], xs[i]);
        assert.equal(ld[i], 0);
      } else {
        assert.ok(
          Math.abs(Math.exp(ld[i]!) - dydx[i]!) < 1e-3 * Math.max(1, dydx[i]!),
          `x = ${xs[i]}: exp(logDet) ${Math.exp(ld[i]!)} vs dy/dx ${dydx[i]}`,
        );
      }
    }
    // Continuity at ±B: the spline ends exactly on the identity.
    assert.ok(
      Math.abs(
        splineForward(
          tf.tensor2d([B - 1e-4, -B + 1e-4], [2, 1]),
          tf.tile(tf.tensor3d(raw, [1, 1, 3 * K - 1]), [2, 1, 1]) as tf.Tensor3D,
          shape,
        ).y.dataSync()[0]! - B,
      ) < 1e-3,
    );
    const inv = splineInverse(y, params, shape);
    const xb = inv.x.dataSync(),
      ldi = inv.logDet.dataSync();
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(xb[i]! - xs[i]!) < 1e-4, `inverse at x = ${xs[i]}: ${xb[i]}`);
      assert.ok(Math.abs(ldi[i]! + ld[i]!) < 1e-3, `inverse log-derivative at x = ${xs[i]}`);
    }
  });
});

test('bad options and shapes are named errors', () => {
  assert.throws(() => createFlowModel({ coupling: 'cubic' as never }, { dimension: 2, seed: 1 }), /option coupling/);
  assert.throws(() => createFlowModel({ outputMean: [1] }, { dimension: 2, seed: 1 }), /outputMean/);
  const m = createFlowModel({ layers: 1, hidden: [4], scope: 't-bad' }, { dimension: 2, seed: 1 });
  try {
    assert.throws(() => m.logProb(tf.zeros([3, 3]) as tf.Tensor2D), /n × 2/);
    assert.throws(
      () => createFlowModel({ layers: 1, hidden: [4], scope: 't-bad' }, { dimension: 2, seed: 1 }),
      /already exists/,
    );
  } finally {
    m.dispose();
  }
  assert.throws(() => m.draw(4, createRng(1)), /after dispose/);
});

test("scaleByKind gives each internal coordinate its kind's scale, and needs a transform that names its coordinates", () => {
  const transform = {
    name: 'internal-coordinates',
    names: ['bond A-B', 'bond B-C', 'angle A-B-C', 'torsion A-B-C-D'],
  } as never;
  assert.deepEqual(
    Array.from(scalesByKind({ bond: 0.004, angle: 0.04, torsion: 0.6 }, { transform }, 4)),
    [0.004, 0.004, 0.04, 0.6],
  );
  assert.throws(
    () => scalesByKind({ bond: 1, angle: 1, torsion: 1 }, {}, 4),
    /scaleByKind needs a transform that names its 4 coordinates.*absent/,
  );
  const rigid = { name: 'rigid-body' } as never;
  assert.throws(() => scalesByKind({ bond: 1, angle: 1, torsion: 1 }, { transform: rigid }, 4), /"rigid-body"/);
});
