import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng, validateAgainst } from '@embedcg/core';
import {
  createFlowModel,
  flowPlugin,
  optionsSchema,
  truncatedNormalLogDensity,
  wrapAngle64,
  type FlowOptions,
} from './index.js';
import { circularFlags } from './plugin.js';
import { logAbsDet, setupBackend } from './setup.test.util.js';

before(setupBackend);

type Flow = ReturnType<typeof createFlowModel>;

function perturbOutputLayer(model: Flow): void {
  for (const v of model.variables()) {
    if (v.name.endsWith('/output/logScale'))
      v.assign(tf.tensor1d(Array.from({ length: v.shape[0]! }, (_, i) => 0.3 - 0.2 * i)));
    if (v.name.endsWith('/output/shift'))
      v.assign(tf.tensor1d(Array.from({ length: v.shape[0]! }, (_, i) => 0.1 * (i + 1))));
  }
}

// Non-trivial flows with circular coordinates: random conditioners (finalLayerScale 1).
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
      scope: 'c-spline',
    },
  },
  {
    label: 'affine',
    options: { coupling: 'affine', layers: 4, hidden: [8], finalLayerScale: 1, outputScale: 0.7, scope: 'c-affine' },
  },
  {
    label: 'spline, truncated-normal base',
    options: {
      coupling: 'spline',
      layers: 4,
      hidden: [8],
      bins: 5,
      bound: 2,
      base: 'truncated-normal',
      finalLayerScale: 1,
      outputScale: 0.7,
      scope: 'c-tn',
    },
  },
];

for (const { label, options } of variants) {
  test(`${label} flow with circular coordinates: logProb(draw.y) = draw.logQ, angles in [−π, π)`, () => {
    const D = 4;
    // The reference torsion 3.0 sits near π, so samples wrap.
    const model = createFlowModel(
      { ...options, circular: [0, 3] },
      { dimension: D, seed: 6, outputMean: [3.0, 0.5, -1, -2.5] },
    );
    try {
      perturbOutputLayer(model);
      const n = 400;
      const d = model.draw(n, createRng(1));
      const lp = model.logProb(d.y);
      const y = d.y.dataSync(),
        a = d.logQ.dataSync(),
        b = lp.dataSync();
      let worst = 0;
      for (let i = 0; i < n; i++) {
        for (const k of [0, 3])
          assert.ok(
            y[i * D + k]! >= -Math.PI && y[i * D + k]! < Math.PI,
            `sample ${i}, coordinate ${k}: ${y[i * D + k]}`,
          );
        worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(a[i]!)));
      }
      assert.ok(worst < 1e-4, `logQ vs logProb: worst relative difference ${worst}`);
      if (process.env.EMBEDCG_TEST_VERBOSE) console.log(`${label}: worst |logQ − logProb| / max(1, |logQ|) = ${worst}`);
      // The samples cover the circle near the wrap point (3.0 ± spread crosses π).
      let wrapped = 0;
      for (let i = 0; i < n; i++) if (y[i * D]! < 0) wrapped++;
      assert.ok(wrapped > 5, `only ${wrapped} samples of coordinate 0 wrapped past π`);
      // logProb reads angles on the circle: adding 2π changes nothing.
      const shifted = tf.tidy(() =>
        model.logProb(tf.add(d.y, tf.tensor2d([[2 * Math.PI, 0, 0, -2 * Math.PI]])) as tf.Tensor2D).dataSync(),
      );
      for (let i = 0; i < n; i++)
        assert.ok(
          Math.abs(shifted[i]! - b[i]!) < 2e-3 * Math.max(1, Math.abs(b[i]!)),
          `sample ${i}: ${shifted[i]} vs ${b[i]}`,
        );
      tf.dispose([d.y, d.logQ, lp]);
    } finally {
      model.dispose();
    }
  });

  test(`${label} flow with circular coordinates: log|det J| equals the autodiff Jacobian's`, () => {
    const D = 3;
    const model = createFlowModel(
      { ...options, circular: [1], scope: `${options.scope}-jac` },
      { dimension: D, seed: 4, outputMean: [0.5, 2.8, 2] },
    );
    try {
      perturbOutputLayer(model);
      const n = 12;
      const rng = createRng(9);
      const e = new Float32Array(n * D);
      for (let i = 0; i < n; i++) {
        e[i * D] = 1.2 * rng.normal();
        e[i * D + 1] = (2 * rng.uniform() - 1) * 3.1;
        e[i * D + 2] = 1.2 * rng.normal();
      }
      const eps = tf.tensor2d(e, [n, D]);
      const ld = model.forward(eps).logDet.dataSync();
      const jac = new Float64Array(n * D * D);
      for (let i = 0; i < D; i++) {
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.slice(model.forward(t as tf.Tensor2D).y, [0, i], [n, 1])))(eps);
        const gv = g.dataSync();
        for (let r = 0; r < n; r++) for (let j = 0; j < D; j++) jac[r * D * D + i * D + j] = gv[r * D + j]!;
        g.dispose();
      }
      for (let r = 0; r < n; r++) {
        const ref = logAbsDet(jac.subarray(r * D * D, (r + 1) * D * D), D);
        assert.ok(
          Math.abs(ld[r]! - ref) < 2e-4 * Math.max(1, Math.abs(ref)),
          `row ${r}: logDetJ ${ld[r]} vs autodiff ${ref}`,
        );
      }
      eps.dispose();
    } finally {
      model.dispose();
    }
  });
}

test('circular flows integrate to 1: D = 1 over the circle, D = 2 (circle × line) on a grid', () => {
  for (const { label, options } of variants) {
    const m1 = createFlowModel(
      { ...options, circular: 'auto', scope: `${options.scope}-1d` },
      { dimension: 1, seed: 2, outputMean: [2.5], circular: [1] },
    );
    try {
      perturbOutputLayer(m1);
      // Periodic integrand: the trapezoid rule over one period is spectrally accurate.
      const N = 4000,
        h = (2 * Math.PI) / N;
      const grid = Float32Array.from({ length: N }, (_, i) => -Math.PI + i * h);
      const p = tf.tidy(() => tf.exp(m1.logProb(tf.tensor2d(grid, [N, 1]))).dataSync());
      let s = 0;
      for (let i = 0; i < N; i++) s += p[i]!;
      assert.ok(Math.abs(s * h - 1) < 1e-3, `${label} 1-D circle: ∫q = ${s * h}`);
      const spread = Math.max(...p) / Math.min(...p);
      assert.ok(spread > 1.5, `${label} 1-D: the test density is too close to uniform (max/min ${spread})`);
    } finally {
      m1.dispose();
    }
    const m2 = createFlowModel(
      { ...options, circular: [0], scope: `${options.scope}-2d` },
      { dimension: 2, seed: 3, outputMean: [-3, 0.4] },
    );
    try {
      perturbOutputLayer(m2);
      const Na = 240,
        ha = (2 * Math.PI) / Na;
      const Nb = 721,
        lo = -9,
        hi = 9,
        hb = (hi - lo) / (Nb - 1);
      const pts = new Float32Array(Na * Nb * 2);
      for (let i = 0; i < Na; i++)
        for (let j = 0; j < Nb; j++) {
          pts[2 * (i * Nb + j)] = -Math.PI + i * ha;
          pts[2 * (i * Nb + j) + 1] = lo + j * hb;
        }
      const p = tf.tidy(() => tf.exp(m2.logProb(tf.tensor2d(pts, [Na * Nb, 2]))).dataSync());
      let s = 0;
      for (let i = 0; i < Na; i++)
        for (let j = 0; j < Nb; j++) s += (j === 0 || j === Nb - 1 ? 0.5 : 1) * p[i * Nb + j]!;
      assert.ok(Math.abs(s * ha * hb - 1) < 5e-3, `${label} 2-D: ∫q = ${s * ha * hb}`);
    } finally {
      m2.dispose();
    }
  }
});

test('a fresh circular flow is y = wrap(m + ε) with ε uniform on the circle; the output scale skips angles', () => {
  const model = createFlowModel(
    { layers: 2, hidden: [4], outputScale: 0.5, circular: [1], scope: 'c-fresh' },
    { dimension: 2, seed: 1, outputMean: [1, 3] },
  );
  try {
    const n = 2000;
    const d = model.draw(n, createRng(8));
    const y = d.y.dataSync(),
      lq = d.logQ.dataSync();
    // The same stream: n normals for coordinate 0, then n uniforms for the angle.
    const rng = createRng(8);
    const normals = rng.fillNormal(new Float64Array(n));
    let below = 0;
    for (let i = 0; i < n; i++) {
      const e = Math.fround(normals[i]!);
      const angle = Math.fround((2 * rng.uniform() - 1) * Math.PI);
      assert.ok(Math.abs(y[2 * i]! - (1 + 0.5 * e)) < 1e-5);
      assert.ok(Math.abs(wrapAngle64(y[2 * i + 1]! - wrapAngle64(3 + angle))) < 1e-5, `sample ${i}: ${y[2 * i + 1]}`);
      const ref = -0.5 * e * e - 0.5 * Math.log(2 * Math.PI) - Math.log(0.5) - Math.log(2 * Math.PI);
      assert.ok(Math.abs(lq[i]! - ref) < 1e-4, `logQ ${lq[i]} vs ${ref}`);
      if (y[2 * i + 1]! < 0) below++;
    }
    // Uniform on the circle: half the mass of wrap(3 + ε) lies in [−π, 0).
    assert.ok(Math.abs(below / n - 0.5) < 0.05, `fraction below 0: ${below / n}`);
    tf.dispose([d.y, d.logQ]);
  } finally {
    model.dispose();
  }
});

test('truncated-normal base: samples inside the bound, exact density against a Float64 reference, −∞ outside', () => {
  const B = 1.7;
  const model = createFlowModel(
    {
      layers: 2,
      hidden: [4],
      base: 'truncated-normal',
      baseBound: B,
      bound: 3,
      outputAffine: false,
      scope: 'c-tn-fresh',
    },
    { dimension: 3, seed: 1 },
  );
  try {
    const n = 3000;
    const d = model.draw(n, createRng(4));
    const y = d.y.dataSync(),
      lq = d.logQ.dataSync();
    const lp = model.logProb(d.y).dataSync();
    for (let i = 0; i < n; i++) {
      let ref = 0;
      for (let k = 0; k < 3; k++) {
        assert.ok(Math.abs(y[i * 3 + k]!) <= B, `sample ${i}: ${y[i * 3 + k]} outside the bound`);
        ref += truncatedNormalLogDensity(y[i * 3 + k]!, B);
      }
      assert.ok(
        Math.abs(lq[i]! - ref) < 1e-4 && Math.abs(lp[i]! - ref) < 1e-4,
        `sample ${i}: logQ ${lq[i]}, logProb ${lp[i]}, reference ${ref}`,
      );
    }
    const out = tf.tidy(() =>
      model
        .logProb(
          tf.tensor2d([
            [0, 0, B * 1.01],
            [0, 0, 0],
          ]),
        )
        .dataSync(),
    );
    assert.equal(out[0], -Infinity);
    assert.ok(Number.isFinite(out[1]));
    tf.dispose([d.y, d.logQ]);
  } finally {
    model.dispose();
  }
});

test('truncated-normal base: a non-trivial 1-D flow integrates to 1', () => {
  const m = createFlowModel(
    {
      layers: 4,
      hidden: [8],
      bins: 5,
      bound: 1.5,
      base: 'truncated-normal',
      baseBound: 2,
      finalLayerScale: 1,
      outputScale: 0.7,
      scope: 'c-tn-1d',
    },
    { dimension: 1, seed: 2, outputMean: [0.4] },
  );
  try {
    perturbOutputLayer(m);
    const N = 48001,
      lo = -12,
      hi = 12,
      h = (hi - lo) / (N - 1);
    const grid = Float32Array.from({ length: N }, (_, i) => lo + i * h);
    const p = tf.tidy(() => tf.exp(m.logProb(tf.tensor2d(grid, [N, 1]))).dataSync());
    let s = 0;
    for (let i = 0; i < N; i++) s += (i === 0 || i === N - 1 ? 0.5 : 1) * p[i]!;
    assert.ok(Math.abs(s * h - 1) < 2e-3, `∫q = ${s * h}`);
  } finally {
    m.dispose();
  }
});

test('gradients of a circular, truncated-normal flow are finite on this backend', () => {
  const model = createFlowModel(
    { layers: 2, hidden: [8], finalLayerScale: 1, circular: [0, 2], base: 'truncated-normal', scope: 'c-grad' },
    { dimension: 3, seed: 5, outputMean: [3, 0, -3] },
  );
  try {
    const { value, grads } = tf.variableGrads(() => {
      const d = model.draw(64, createRng(2));
      return tf.add(tf.mean(d.logQ), tf.mean(model.logProb(tf.tensor2d(d.y.dataSync(), d.y.shape)))) as tf.Scalar;
    }, model.variables());
    assert.ok(Number.isFinite(value.dataSync()[0]!));
    let nonZero = 0;
    for (const g of Object.values(grads)) {
      const v = g.dataSync();
      assert.ok(
        v.every((x) => Number.isFinite(x)),
        'non-finite gradient',
      );
      if (v.some((x) => x !== 0)) nonZero++;
    }
    assert.ok(nonZero > 0);
    tf.dispose([value, ...Object.values(grads)]);
  } finally {
    model.dispose();
  }
});

test('metadata records circular, base and baseBound, and recreates the same model', () => {
  const opts: Partial<FlowOptions> = {
    layers: 2,
    hidden: [4],
    finalLayerScale: 1,
    circular: 'auto',
    base: 'truncated-normal',
    scope: 'c-meta',
  };
  const a = createFlowModel(opts, {
    dimension: 3,
    seed: 7,
    circular: Uint8Array.from([0, 1, 1]),
    outputMean: [0, 1, 2],
  });
  const meta = a.metadata().options as Record<string, unknown>;
  assert.deepEqual(meta.circular, [1, 2]);
  assert.equal(meta.base, 'truncated-normal');
  assert.equal(meta.baseBound, 5);
  const y = tf.tensor2d([
    [0.1, 2.5, -3],
    [1, -1, 0.2],
  ]);
  const la = a.logProb(y).dataSync();
  a.dispose();
  const b = createFlowModel(meta as Partial<FlowOptions>, { dimension: 3, seed: 7 });
  try {
    assert.deepEqual(Array.from(b.logProb(y).dataSync()), Array.from(la));
  } finally {
    b.dispose();
    y.dispose();
  }
  const plain = createFlowModel({ layers: 1, hidden: [4], scope: 'c-meta2' }, { dimension: 2, seed: 1 });
  try {
    const m = plain.metadata().options as Record<string, unknown>;
    assert.deepEqual([m.circular, m.base, 'baseBound' in m], [[], 'gaussian', false]);
  } finally {
    plain.dispose();
  }
});

test('circular and base options: schema, named errors, and the transform flags for auto', () => {
  for (const o of [
    { circular: 'auto' },
    { circular: 'none' },
    { circular: [0, 4] },
    { base: 'truncated-normal', baseBound: 3 },
  ])
    assert.deepEqual(validateAgainst(optionsSchema, o), [], JSON.stringify(o));
  for (const o of [
    { circular: 'all' },
    { circular: [-1] },
    { circular: [1, 1] },
    { base: 'uniform' },
    { baseBound: 0 },
  ])
    assert.notDeepEqual(validateAgainst(optionsSchema, o), [], JSON.stringify(o));
  const filled: Record<string, unknown> = {};
  validateAgainst(optionsSchema, filled);
  assert.deepEqual([filled.circular, filled.base, 'baseBound' in filled], ['none', 'gaussian', false]);
  assert.throws(
    () => createFlowModel({ circular: [2] }, { dimension: 2, seed: 1 }),
    /option circular lists model-space indices in \[0, 1\]/,
  );
  assert.throws(
    () => createFlowModel({ circular: [1, 1] }, { dimension: 2, seed: 1 }),
    /option circular must NOT have duplicate items/,
  );
  assert.throws(
    () => createFlowModel({ circular: 'auto' }, { dimension: 2, seed: 1 }),
    /circular 'auto' needs a coordinate transform/,
  );
  assert.throws(
    () => createFlowModel({ baseBound: 2 }, { dimension: 2, seed: 1 }),
    /option baseBound applies only to base 'truncated-normal'/,
  );
  assert.throws(() => createFlowModel({ base: 'uniform' as never }, { dimension: 2, seed: 1 }), /option base must be/);
  const transform = { name: 'internal-coordinates', circular: Uint8Array.from([0, 0, 1]) } as never;
  assert.deepEqual(Array.from(circularFlags({ transform }, 3)), [0, 0, 1]);
  assert.throws(() => circularFlags({}, 3), /circular 'auto' needs a transform.*absent/);
  assert.throws(() => circularFlags({ transform: { name: 'rigid-body' } as never }, 3), /"rigid-body"/);
});

test('the flow plugin wires circular: auto to the transform', () => {
  const logs: string[] = [];
  const transform = { name: 'internal-coordinates', inputDimension: 3, circular: Uint8Array.from([0, 1, 1]) } as never;
  const model = flowPlugin.create(
    { layers: 1, hidden: [4], circular: 'auto', scope: 'c-plugin' },
    { configDir: '.', seed: 1, log: (m: string) => logs.push(m), transform, modelDimension: 3 },
  ) as Flow;
  try {
    assert.deepEqual(model.circular, [1, 2]);
    assert.ok(logs.some((l) => /2 circular coordinates/.test(l)));
  } finally {
    model.dispose();
  }
});
