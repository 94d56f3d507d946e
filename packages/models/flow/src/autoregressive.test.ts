import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import { runPluginConformance } from '@embedcg/core/testkit';
import {
  AutoregressiveLayer,
  autoregressiveOrders,
  createFlowModel,
  flowPlugin,
  structuredFlowPlugin,
  type AutoregressiveSpec,
  type AutoregressiveTransform,
  type FlowOptions,
} from './index.js';
import { logAbsDet, setupBackend } from './setup.test.util.js';

before(setupBackend);

const TRANSFORMS: AutoregressiveTransform[] = ['spline', 'affine'];

function layer(
  name: string,
  order: number[],
  transform: AutoregressiveTransform,
  extra: Partial<AutoregressiveSpec> = {},
): AutoregressiveLayer {
  return new AutoregressiveLayer(
    {
      name,
      order,
      transform,
      hidden: [12, 12],
      activation: 'tanh',
      finalLayerScale: 1,
      scaleBound: 2,
      spline: { bins: 5, bound: 1.5, minBin: 1e-3, minDerivative: 1e-3 },
      ...extra,
    },
    createRng(11),
  );
}

function rows(values: Float32Array, n: number, D: number): tf.Tensor2D {
  return tf.tensor2d(values, [n, D]);
}

for (const transform of TRANSFORMS) {
  test(`autoregressive ${transform}: output i depends only on inputs before i in the ordering (forward and inverse)`, () => {
    const D = 5,
      n = 8;
    const order = [3, 0, 4, 1, 2];
    const pos = new Map(order.map((c, p) => [c, p]));
    for (const hidden of [[12, 12], []]) {
      const l = layer(`t-ar-prop-${transform}-${hidden.length}`, order, transform, { hidden });
      try {
        const base = createRng(2).fillNormal(new Float32Array(n * D)) as Float32Array;
        for (const dir of ['forward', 'inverse'] as const) {
          const run = (v: Float32Array) =>
            tf.tidy(() => {
              const t = rows(v, n, D);
              return (dir === 'forward' ? l.forward(t).y : l.inverse(t).x).dataSync();
            });
          const y0 = run(base);
          let downstreamChanged = 0;
          for (let j = 0; j < D; j++) {
            const p = Float32Array.from(base);
            for (let r = 0; r < n; r++) p[r * D + j] = p[r * D + j]! + 0.7;
            const y1 = run(p);
            for (let i = 0; i < D; i++) {
              let diff = 0;
              for (let r = 0; r < n; r++) diff = Math.max(diff, Math.abs(y1[r * D + i]! - y0[r * D + i]!));
              if (pos.get(i)! < pos.get(j)!)
                assert.equal(
                  diff,
                  0,
                  `${dir}, hidden ${JSON.stringify(hidden)}: output ${i} (position ${pos.get(i)}) moved when input ${j} (position ${pos.get(j)}) did`,
                );
              if (pos.get(i)! > pos.get(j)! && diff > 1e-4) downstreamChanged++;
            }
          }
          // D(D−1)/2 = 10 pairs (i after j); a real conditioner couples most of them.
          assert.ok(
            downstreamChanged >= 6,
            `${dir}: only ${downstreamChanged} of 10 later outputs depend on earlier inputs`,
          );
        }
      } finally {
        l.dispose();
      }
    }
  });

  test(`autoregressive ${transform}: identity at zero init (finalLayerScale 0)`, () => {
    const D = 4,
      n = 10;
    const l = layer(`t-ar-id-${transform}`, [0, 1, 2, 3], transform, { finalLayerScale: 0 });
    try {
      const v = createRng(3)
        .fillNormal(new Float32Array(n * D))
        .map((x) => 2 * x) as Float32Array;
      tf.tidy(() => {
        const f = l.forward(rows(v, n, D));
        const b = l.inverse(rows(v, n, D));
        const y = f.y.dataSync(),
          x = b.x.dataSync();
        for (let k = 0; k < n * D; k++) {
          assert.ok(Math.abs(y[k]! - v[k]!) < 1e-6, `forward moved ${v[k]} to ${y[k]}`);
          assert.ok(Math.abs(x[k]! - v[k]!) < 1e-6, `inverse moved ${v[k]} to ${x[k]}`);
        }
        for (const ld of [...f.logDet.dataSync(), ...b.logDet.dataSync()])
          assert.ok(Math.abs(ld) < 1e-6, `logDet ${ld}`);
      });
    } finally {
      l.dispose();
    }
  });

  test(`autoregressive ${transform}: inverse(forward(x)) = x within 1e-4 and the log-determinants cancel`, () => {
    const D = 6,
      n = 200;
    const l = layer(`t-ar-rt-${transform}`, [5, 2, 0, 3, 1, 4], transform);
    try {
      // Scaled by 2, so some coordinates fall in the spline's identity tails.
      const v = createRng(4)
        .fillNormal(new Float32Array(n * D))
        .map((x) => 2 * x) as Float32Array;
      tf.tidy(() => {
        const f = l.forward(rows(v, n, D));
        const b = l.inverse(f.y);
        const x = b.x.dataSync();
        let worst = 0;
        for (let k = 0; k < n * D; k++) worst = Math.max(worst, Math.abs(x[k]! - v[k]!));
        assert.ok(worst < 1e-4, `round trip error ${worst}`);
        const a = f.logDet.dataSync(),
          c = b.logDet.dataSync();
        for (let r = 0; r < n; r++)
          assert.ok(
            Math.abs(a[r]! + c[r]!) < 1e-4 * Math.max(1, Math.abs(a[r]!)),
            `row ${r}: forward ${a[r]}, inverse ${c[r]}`,
          );
      });
    } finally {
      l.dispose();
    }
  });

  test(`autoregressive ${transform}: log|det| equals log|det| of the finite-difference Jacobian (D = 3)`, () => {
    const D = 3,
      n = 10,
      h = 2e-3;
    const l = layer(`t-ar-jac-${transform}`, [1, 2, 0], transform, { finalLayerScale: 4 });
    try {
      const v = createRng(5).fillNormal(new Float32Array(n * D)) as Float32Array;
      const run = (x: Float32Array) => Float64Array.from(tf.tidy(() => l.forward(rows(x, n, D)).y.dataSync()));
      const ld = tf.tidy(() => l.forward(rows(v, n, D)).logDet.dataSync());
      const jac = new Float64Array(n * D * D);
      for (let j = 0; j < D; j++) {
        const p = Float32Array.from(v),
          m = Float32Array.from(v);
        for (let r = 0; r < n; r++) {
          p[r * D + j] = v[r * D + j]! + h;
          m[r * D + j] = v[r * D + j]! - h;
        }
        // The actual step after rounding to float32.
        const yp = run(p),
          ym = run(m);
        for (let r = 0; r < n; r++) {
          const step = p[r * D + j]! - m[r * D + j]!;
          for (let i = 0; i < D; i++) jac[r * D * D + i * D + j] = (yp[r * D + i]! - ym[r * D + i]!) / step;
        }
      }
      let nonTrivial = 0;
      for (let r = 0; r < n; r++) {
        const ref = logAbsDet(jac.subarray(r * D * D, (r + 1) * D * D), D);
        assert.ok(
          Math.abs(ld[r]! - ref) < 1e-2 * Math.max(1, Math.abs(ref)),
          `row ${r}: logDet ${ld[r]} vs finite differences ${ref}`,
        );
        if (Math.abs(ref) > 0.1) nonTrivial++;
      }
      assert.ok(nonTrivial > n / 2, 'the test layer is too close to volume-preserving to test anything');
    } finally {
      l.dispose();
    }
  });
}

test('autoregressive orders: reverse alternates; random is a seeded permutation, reversed on the next layer', () => {
  assert.deepEqual(autoregressiveOrders(4, 3, 'reverse', 1), [
    [0, 1, 2, 3],
    [3, 2, 1, 0],
    [0, 1, 2, 3],
  ]);
  const a = autoregressiveOrders(8, 4, 'random', 7);
  assert.deepEqual(a, autoregressiveOrders(8, 4, 'random', 7));
  assert.notDeepEqual(a, autoregressiveOrders(8, 4, 'random', 8));
  for (const o of a)
    assert.deepEqual(
      [...o].sort((x, y) => x - y),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
  assert.deepEqual(a[1], [...a[0]!].reverse());
  assert.notDeepEqual(a[0], a[2]);
});

const modelVariants: Array<{ label: string; options: Partial<FlowOptions> }> = [
  {
    label: 'spline',
    options: {
      coupling: 'autoregressive',
      layers: 3,
      hidden: [16],
      bins: 5,
      bound: 2,
      finalLayerScale: 1,
      outputScale: 0.7,
    },
  },
  {
    label: 'affine, random order',
    options: {
      coupling: 'autoregressive',
      autoregressiveTransform: 'affine',
      autoregressiveOrder: 'random',
      layers: 3,
      hidden: [16],
      finalLayerScale: 1,
    },
  },
];

for (const { label, options } of modelVariants) {
  test(`FlowModel autoregressive (${label}): logProb(draw().y) equals draw's logQ`, () => {
    const D = 5,
      n = 300;
    const model = createFlowModel(
      { ...options, scope: 't-ar-lp' },
      { dimension: D, seed: 6, outputMean: [0.5, -1, 2, 0, 1] },
    );
    try {
      tf.tidy(() => {
        const d = model.draw(n, createRng(1));
        const a = d.logQ.dataSync(),
          b = model.logProb(d.y).dataSync();
        for (let i = 0; i < n; i++)
          assert.ok(Math.abs(a[i]! - b[i]!) < 2e-3, `sample ${i}: logQ ${a[i]} vs logProb ${b[i]}`);
      });
    } finally {
      model.dispose();
    }
  });

  test(`FlowModel autoregressive (${label}): the density integrates to 1 on a 2-D grid`, () => {
    const model = createFlowModel({ ...options, scope: 't-ar-int' }, { dimension: 2, seed: 3 });
    try {
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
      const p = tf.tidy(() => tf.exp(model.logProb(tf.tensor2d(pts, [N * N, 2]))).dataSync());
      let s = 0;
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < N; j++)
          s += (i === 0 || i === N - 1 ? 0.5 : 1) * (j === 0 || j === N - 1 ? 0.5 : 1) * p[i * N + j]!;
      }
      assert.ok(Math.abs(s * h * h - 1) < 5e-3, `∫q = ${s * h * h}`);
    } finally {
      model.dispose();
    }
  });
}

test('FlowModel autoregressive: gradients through the D-pass inverse (logProb) match finite differences', () => {
  const D = 4,
    n = 16;
  const model = createFlowModel(
    {
      coupling: 'autoregressive',
      layers: 2,
      hidden: [8],
      bins: 4,
      bound: 2,
      finalLayerScale: 1,
      outputAffine: false,
      scope: 't-ar-grad',
    },
    { dimension: D, seed: 2 },
  );
  try {
    const y = tf.tensor2d(createRng(5).fillNormal(new Float32Array(n * D)) as Float32Array, [n, D]);
    const f = () => tf.mean(model.logProb(y)) as tf.Scalar;
    const { value, grads } = tf.variableGrads(f, model.variables());
    for (const v of model.variables().filter((x) => x.name.includes('/dense0/') || x.name.endsWith('/out/bias'))) {
      const g = grads[v.name]!.dataSync();
      let k = 0;
      for (let i = 0; i < g.length; i++) if (Math.abs(g[i]!) > Math.abs(g[k]!)) k = i;
      const vals = v.dataSync().slice();
      const at = (delta: number) => {
        const w = vals.slice();
        w[k] = w[k]! + delta;
        tf.tidy(() => v.assign(tf.tensor(w, v.shape)));
        return tf.tidy(() => f().dataSync()[0]!);
      };
      const h = 2e-3;
      const fd = (at(h) - at(-h)) / (2 * h);
      tf.tidy(() => v.assign(tf.tensor(vals, v.shape)));
      assert.ok(
        Math.abs(fd - g[k]!) < 2e-3 + 0.01 * Math.abs(fd),
        `${v.name}[${k}]: autodiff ${g[k]} vs finite differences ${fd}`,
      );
    }
    tf.dispose([y, value, ...Object.values(grads)]);
  } finally {
    model.dispose();
  }
});

test('FlowModel autoregressive: a short reverse-KL fit to a banana density lowers the KL', () => {
  // p(x) = N(x₀; 0, 1) · N(x₁; b(x₀² − 1), σ²): normalised, so E_q[log q − log p] is the KL itself.
  const b = 1,
    sigma = 0.5;
  const logP = (y: tf.Tensor2D) =>
    tf.tidy(() => {
      const x0 = tf.squeeze(tf.slice(y, [0, 0], [-1, 1]), [1]);
      const x1 = tf.squeeze(tf.slice(y, [0, 1], [-1, 1]), [1]);
      const r = tf.div(tf.sub(x1, tf.mul(b, tf.sub(tf.square(x0), 1))), sigma);
      return tf.sub(tf.mul(-0.5, tf.add(tf.square(x0), tf.square(r))), Math.log(2 * Math.PI * sigma)) as tf.Tensor1D;
    });
  const model = createFlowModel(
    { coupling: 'autoregressive', layers: 4, hidden: [32, 32], bins: 8, bound: 4, scope: 't-ar-fit' },
    { dimension: 2, seed: 1 },
  );
  const kl = (n: number, seed: number) =>
    tf.tidy(() => {
      const d = model.draw(n, createRng(seed));
      return tf.mean(tf.sub(d.logQ, logP(d.y))).dataSync()[0]!;
    });
  try {
    const before = kl(4000, 100);
    const opt = tf.train.adam(5e-3);
    const rng = createRng(7);
    for (let step = 0; step < 300; step++) {
      const cost = opt.minimize(
        () => {
          const d = model.draw(256, rng);
          return tf.mean(tf.sub(d.logQ, logP(d.y))) as tf.Scalar;
        },
        true,
        model.variables(),
      );
      assert.ok(Number.isFinite(cost!.dataSync()[0]!), `loss not finite at step ${step}`);
      cost!.dispose();
    }
    opt.dispose();
    const after = kl(4000, 101);
    assert.ok(after > -0.02, `KL ${after} < 0 beyond noise: log q is not normalised`);
    assert.ok(after < 0.1 * before && after < 0.3, `KL ${before} → ${after}`);
    console.log(`# banana: KL ${before.toFixed(4)} → ${after.toFixed(4)} nats`);
  } finally {
    model.dispose();
  }
});

test('FlowModel autoregressive: metadata options recreate the same model (checkpoint reload), and bad options are named', () => {
  const D = 4;
  const options: Partial<FlowOptions> = {
    coupling: 'autoregressive',
    autoregressiveTransform: 'affine',
    autoregressiveOrder: 'random',
    layers: 2,
    hidden: [8],
    finalLayerScale: 1,
    scope: 't-ar-meta',
  };
  const a = createFlowModel(options, { dimension: D, seed: 9 });
  try {
    const meta = a.metadata();
    const o = meta.options as Partial<FlowOptions>;
    assert.equal(o.coupling, 'autoregressive');
    assert.equal(o.autoregressiveTransform, 'affine');
    assert.equal(o.autoregressiveOrder, 'random');
    const values = a.variables().map((v) => v.dataSync().slice());
    const y = tf.tensor2d(createRng(1).fillNormal(new Float32Array(20 * D)) as Float32Array, [20, D]);
    const la = tf.tidy(() => a.logProb(y).dataSync());
    a.dispose();
    const b = createFlowModel({ ...o, scope: 't-ar-meta' }, { dimension: D, seed: 9 });
    try {
      b.variables().forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(values[i]!, v.shape))));
      const lb = tf.tidy(() => b.logProb(y).dataSync());
      for (let i = 0; i < 20; i++)
        assert.ok(Math.abs(la[i]! - lb[i]!) < 1e-5, `point ${i}: ${la[i]} vs reloaded ${lb[i]}`);
    } finally {
      b.dispose();
      y.dispose();
    }
  } finally {
    a.dispose();
  }
  assert.throws(
    () =>
      createFlowModel(
        { coupling: 'autoregressive', autoregressiveTransform: 'cubic' as never },
        { dimension: 2, seed: 1 },
      ),
    /option autoregressiveTransform/,
  );
  assert.throws(
    () =>
      createFlowModel(
        { coupling: 'autoregressive', autoregressiveOrder: 'shuffled' as never },
        { dimension: 2, seed: 1 },
      ),
    /option autoregressiveOrder/,
  );
});

test("the flow plugin with coupling 'autoregressive' passes core's model conformance suite", async () => {
  for (const options of [
    { coupling: 'autoregressive' },
    {
      coupling: 'autoregressive',
      autoregressiveTransform: 'affine',
      autoregressiveOrder: 'random',
      layers: 2,
      hidden: [16],
      finalLayerScale: 0.5,
    },
  ]) {
    const results = await runPluginConformance(flowPlugin, {
      options,
      context: { modelDimension: 5 },
      throwOnFailure: false,
    });
    const failed = results.filter((r) => !r.passed);
    assert.deepEqual(failed, [], JSON.stringify(failed));
    assert.ok(results.length >= 3);
  }
});

test("structured-flow with coupling 'autoregressive' (its slow flow) passes core's model conformance suite", async () => {
  const results = await runPluginConformance(structuredFlowPlugin, {
    options: { latentDim: 2, coupling: 'autoregressive', layers: 2, hidden: [8] },
    context: { modelDimension: 5 },
    throwOnFailure: false,
  });
  const failed = results.filter((r) => !r.passed);
  assert.deepEqual(failed, [], JSON.stringify(failed));
});
