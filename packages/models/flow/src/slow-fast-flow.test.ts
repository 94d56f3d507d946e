import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng, energyOp } from '@embedcg/core';
import { runPluginConformance } from '@embedcg/core/testkit';
import { FlowModel, SlowFastFlowModel, flowPlugin, plugins, resolveSlowPreset, slowFastFlowPlugin } from './index.js';
import { perturbVariables, setupBackend } from './setup.test.util.js';

before(setupBackend);

test('slow-fast flow: logProb(draw().y) equals the draw’s logQ; encode returns the slow coordinates; decode keeps them', () => {
  // D = 6: slow [4, 1] (1 an angle, 4 a real line), fast angle 5 with a mean near π (wrapping).
  const model = new SlowFastFlowModel(
    { slow: [4, 1], circular: [1, 5], layers: 3, hidden: [8], fastHidden: [8], bins: 5, bound: 3, scope: 't-sff1' },
    { dimension: 6, seed: 2, outputMean: [0.1, 0.5, -0.3, 1.2, 0.2, 3.05], outputScales: [0.3, 1, 0.5, 0.2, 0.7, 0.2] },
  );
  try {
    assert.deepEqual(
      [model.slowIndices, model.fastIndices, model.circular],
      [
        [4, 1],
        [0, 2, 3, 5],
        [1, 5],
      ],
    );
    assert.equal(model.latentDimension, 2);
    perturbVariables(model, 7, 0.3);
    const n = 400;
    const d = model.draw(n, createRng(3));
    const lp = model.logProb(d.y);
    const enc = model.encode(d.y);
    const y = d.y.arraySync(),
      a = d.logQ.dataSync(),
      b = lp.dataSync(),
      z = d.z!.arraySync(),
      e = enc.arraySync();
    for (let i = 0; i < n; i++) {
      assert.ok(
        Math.abs(a[i]! - b[i]!) <= 1e-4 * Math.max(1, Math.abs(a[i]!)),
        `sample ${i}: logQ ${a[i]} vs logProb ${b[i]}`,
      );
      assert.deepEqual([z[i]![0], z[i]![1]], [y[i]![4], y[i]![1]], 'z holds the slow coordinates in slow order');
      assert.ok(Math.abs(e[i]![0]! - y[i]![4]!) < 1e-6 && Math.abs(e[i]![1]! - y[i]![1]!) < 1e-6, `encode row ${i}`);
      assert.ok(
        y[i]![1]! >= -Math.PI && y[i]![1]! < Math.PI && y[i]![5]! >= -Math.PI && y[i]![5]! < Math.PI,
        'angles wrapped',
      );
    }
    // Wrapped fast angle: some draws cross ±π and logProb still matches (checked above).
    assert.ok(y.some((r) => r[5]! < 0) && y.some((r) => r[5]! > 0), 'the fast angle near π wraps both ways');
    const dec = model.decode(d.z!).arraySync();
    for (let i = 0; i < 5; i++)
      assert.ok(Math.abs(dec[i]![4]! - z[i]![0]!) < 1e-6 && Math.abs(dec[i]![1]! - z[i]![1]!) < 1e-6);
    tf.dispose([d.y, d.logQ, d.z!, lp, enc]);
    // Angles are read on the circle: shifting a slow or fast angle by 2π leaves log q unchanged.
    const shifted = tf.tensor2d(y.slice(0, 8).map((r) => r.map((v, k) => (k === 1 || k === 5 ? v + 2 * Math.PI : v))));
    const l2 = model.logProb(shifted).dataSync();
    for (let i = 0; i < 8; i++) assert.ok(Math.abs(l2[i]! - b[i]!) < 1e-3, `2π shift, row ${i}: ${l2[i]} vs ${b[i]}`);
    shifted.dispose();
  } finally {
    model.dispose();
  }
});

/** Trapezoid/rectangle quadrature of exp(logProb) on a product grid; angles use the periodic rule. */
function integrate(
  model: SlowFastFlowModel,
  axes: Array<{ lo: number; hi: number; N: number; periodic: boolean }>,
): number {
  const D = axes.length;
  const pts1 = axes.map((a) => {
    const h = (a.hi - a.lo) / (a.periodic ? a.N : a.N - 1);
    return {
      h,
      x: Array.from({ length: a.N }, (_, i) => a.lo + i * h),
      w: Array.from({ length: a.N }, (_, i) => (!a.periodic && (i === 0 || i === a.N - 1) ? 0.5 : 1) * h),
    };
  });
  const total = pts1.reduce((p, a) => p * a.x.length, 1);
  const pts = new Float32Array(total * D),
    w = new Float64Array(total);
  for (let idx = 0; idx < total; idx++) {
    let r = idx,
      wt = 1;
    for (let k = D - 1; k >= 0; k--) {
      const N = pts1[k]!.x.length,
        j = r % N;
      r = Math.floor(r / N);
      pts[idx * D + k] = pts1[k]!.x[j]!;
      wt *= pts1[k]!.w[j]!;
    }
    w[idx] = wt;
  }
  let s = 0;
  const chunk = 50000;
  for (let start = 0; start < total; start += chunk) {
    const m = Math.min(chunk, total - start);
    const p = tf.tidy(() =>
      tf.exp(model.logProb(tf.tensor2d(pts.subarray(start * D, (start + m) * D), [m, D]))).dataSync(),
    );
    for (let i = 0; i < m; i++) s += w[start + i]! * p[i]!;
  }
  return s;
}

test('slow-fast flow: the density integrates to 1 (D = 2: slow angle + fast line; D = 3: slow angle and line + fast line)', () => {
  const m2 = new SlowFastFlowModel(
    { slow: [0], circular: [0], layers: 2, hidden: [8], fastHidden: [8], bins: 5, scope: 't-sff2' },
    { dimension: 2, seed: 4, outputMean: [1, -0.5], outputScales: [1, 0.5] },
  );
  try {
    perturbVariables(m2, 3, 0.3);
    const s = integrate(m2, [
      { lo: -Math.PI, hi: Math.PI, N: 400, periodic: true },
      { lo: -12, hi: 11, N: 801, periodic: false },
    ]);
    assert.ok(Math.abs(s - 1) < 3e-3, `D = 2: ∫q = ${s}`);
  } finally {
    m2.dispose();
  }
  const m3 = new SlowFastFlowModel(
    { slow: [2, 0], circular: [2], layers: 2, hidden: [8], fastHidden: [8], bins: 4, bound: 3, scope: 't-sff3' },
    { dimension: 3, seed: 5, outputMean: [0.2, 0, -1], outputScales: [0.5, 0.4, 1] },
  );
  try {
    perturbVariables(m3, 9, 0.15);
    const probe = m3.draw(20000, createRng(1));
    const yp = probe.y.arraySync();
    tf.dispose([probe.y, probe.logQ, probe.z!]);
    const outside = yp.filter((r) => Math.abs(r[0]! - 0.2) > 5 || Math.abs(r[1]!) > 5).length;
    assert.ok(outside < 10, `${outside} of 20000 samples fall outside the quadrature grid`);
    const s = integrate(m3, [
      { lo: -4.8, hi: 5.2, N: 121, periodic: false },
      { lo: -5, hi: 5, N: 121, periodic: false },
      { lo: -Math.PI, hi: Math.PI, N: 64, periodic: true },
    ]);
    assert.ok(Math.abs(s - 1) < 1e-2, `D = 3: ∫q = ${s}`);
  } finally {
    m3.dispose();
  }
});

test('slow-fast flow with fastLayers: couplings over the fast block keep log q exact (logProb = logQ, ∫q = 1) and start as the identity', () => {
  const opts = { slow: [0], circular: [0], layers: 2, hidden: [8], fastHidden: [8], bins: 4, bound: 3 };
  const ctx = { dimension: 3, seed: 6, outputMean: [0.3, 0.1, -0.4], outputScales: [1, 0.5, 0.8] };
  const plain = new SlowFastFlowModel({ ...opts, scope: 't-sffl0' }, ctx);
  const m = new SlowFastFlowModel({ ...opts, fastLayers: 2, scope: 't-sffl2' }, ctx);
  try {
    // Zero-initialised couplings: the same draw as without them (the extra variables come last).
    const a = plain.draw(50, createRng(2)),
      b = m.draw(50, createRng(2));
    const [ya, yb, la, lb] = [a.y.dataSync(), b.y.dataSync(), a.logQ.dataSync(), b.logQ.dataSync()];
    for (let i = 0; i < ya.length; i++) assert.ok(Math.abs(ya[i]! - yb[i]!) < 1e-6, `identity start, y[${i}]`);
    for (let i = 0; i < la.length; i++) assert.ok(Math.abs(la[i]! - lb[i]!) < 1e-4, `identity start, logQ[${i}]`);
    tf.dispose([a.y, a.logQ, a.z!, b.y, b.logQ, b.z!]);
    assert.equal(
      m.variables().length,
      plain.variables().length + 2 * 2 * 2,
      'two couplings, each a 1-hidden-layer MLP (2 kernels + 2 biases)',
    );
    perturbVariables(m, 11, 0.3);
    const d = m.draw(300, createRng(4));
    const lp = m.logProb(d.y);
    const [q, p] = [d.logQ.dataSync(), lp.dataSync()];
    for (let i = 0; i < q.length; i++)
      assert.ok(
        Math.abs(q[i]! - p[i]!) <= 1e-4 * Math.max(1, Math.abs(q[i]!)),
        `sample ${i}: logQ ${q[i]} vs logProb ${p[i]}`,
      );
    tf.dispose([d.y, d.logQ, d.z!, lp]);
    const s = integrate(m, [
      { lo: -Math.PI, hi: Math.PI, N: 48, periodic: true },
      { lo: -4.9, hi: 5.1, N: 101, periodic: false },
      { lo: -8.4, hi: 7.6, N: 101, periodic: false },
    ]);
    assert.ok(Math.abs(s - 1) < 1e-2, `∫q = ${s}`);
  } finally {
    plain.dispose();
    m.dispose();
  }
});

test("the slow-fast-flow plugin passes core's model conformance suite", async () => {
  assert.ok(plugins.includes(slowFastFlowPlugin));
  for (const options of [
    { slow: [0, 2], circular: 'none' },
    { slow: [3], circular: [3, 1], layers: 2, hidden: [8], fastHidden: [8] },
    { slow: [0, 1, 2, 3, 4], circular: [0] },
  ]) {
    const results = await runPluginConformance(slowFastFlowPlugin, {
      options,
      context: { modelDimension: 5 },
      throwOnFailure: false,
    });
    const failed = results.filter((r) => !r.passed);
    assert.deepEqual(failed, [], JSON.stringify(failed));
    assert.ok(results.length >= 3);
  }
});

// The alanine-dipeptide torsion names of the automatic Z-matrix (indices 41–59 of 60), with bonds
// placing the methyl hydrogens, padded by plain bonds/angles.
const ALANINE_TORSIONS = [
  'C:2-CA-N:2-C:1',
  'C:1-CA-N:2-H:2',
  'C:2-N:2-CA-CB',
  'C:2-N:2-CA-HA',
  'N:2-CA-C:2-N:3',
  'N:3-CA-C:2-O:2',
  'CA-N:2-C:1-CH3',
  'CH3-N:2-C:1-O:1',
  'N:2-CA-CB-HB1',
  'HB1-CA-CB-HB2',
  'HB1-CA-CB-HB3',
  'CA-C:2-N:3-C:3',
  'C:3-C:2-N:3-H:3',
  'N:2-C:1-CH3-H1:1',
  'H1:1-C:1-CH3-H2:1',
  'H1:1-C:1-CH3-H3:1',
  'C:2-N:3-C:3-H1:3',
  'H1:3-N:3-C:3-H2:3',
  'H1:3-N:3-C:3-H3:3',
].map((t) => `torsion ${t}`);
const METHYL_BONDS = [
  'CB-HB1',
  'CB-HB2',
  'CB-HB3',
  'CH3-H1:1',
  'CH3-H2:1',
  'CH3-H3:1',
  'C:3-H1:3',
  'C:3-H2:3',
  'C:3-H3:3',
  'CA-HA',
].map((b) => `bond ${b}`);
const alanineNames = () => [
  ...METHYL_BONDS,
  ...Array.from({ length: 11 }, (_, i) => `bond X${i}-Y${i}`),
  ...Array.from({ length: 20 }, (_, i) => `angle A-B-C${i}`),
  ...ALANINE_TORSIONS,
];

test("slow presets: 'phi-psi' and 'phi-psi-methyls' from the transform's names, and a clear error without φ/ψ", () => {
  const names = alanineNames();
  assert.equal(names.length, 60);
  assert.deepEqual(resolveSlowPreset('phi-psi', names), [41, 45]);
  assert.deepEqual(resolveSlowPreset('phi-psi-methyls', names), [41, 45, 49, 54, 57]);
  assert.throws(
    () => resolveSlowPreset('phi-psi', ['bond A-B', 'torsion N:2-CA-C:2-N:3']),
    /no torsion coordinate for φ \(C–N–CA–C\)/,
  );
  assert.throws(() => resolveSlowPreset('phi-psi', ['torsion A-B-C-D']), /φ \(C–N–CA–C\) and ψ \(N–CA–C–N\)/);
  assert.throws(() => resolveSlowPreset('phi-psi', undefined), /needs a transform that names its coordinates/);
});

test("the slow-fast-flow plugin wires 'phi-psi', circular 'auto' and scaleByKind to the transform; metadata rebuilds the model", () => {
  const names = alanineNames();
  const circular = Uint8Array.from(names, (n) => (n.startsWith('torsion') ? 1 : 0));
  const transform = { name: 'internal-coordinates', inputDimension: 60, names, circular } as never;
  const logs: string[] = [];
  const ctx = { configDir: '.', seed: 1, log: (m: string) => logs.push(m), transform, modelDimension: 60 };
  const model = slowFastFlowPlugin.create(
    {
      slow: 'phi-psi',
      layers: 1,
      hidden: [4],
      fastHidden: [4],
      scaleByKind: { bond: 0.004, angle: 0.04, torsion: 0.15 },
      scope: 't-sff-plugin',
    },
    ctx,
  ) as SlowFastFlowModel;
  let again: SlowFastFlowModel | undefined;
  try {
    assert.deepEqual(model.slowIndices, [41, 45]);
    assert.equal(model.circular.length, 19);
    assert.equal(model.outputScales[0], 0.004);
    assert.equal(model.outputScales[59], 0.15);
    assert.ok(
      logs.some((l) => l.includes('41 (torsion C:2-CA-N:2-C:1)')),
      logs.join('\n'),
    );
    assert.ok(
      model
        .variables()
        .every((v) => v.name.startsWith('t-sff-plugin/slow/') || v.name.startsWith('t-sff-plugin/fast/')),
    );
    const meta = model.metadata();
    assert.deepEqual([meta.plugin, meta.dimension, meta.latentDimension], ['slow-fast-flow', 60, 2]);
    // Rebuild from the metadata alone (no transform): same slow block, circular set and scales; same draws with the same weights.
    const opts = { ...(meta.options as Record<string, unknown>), scope: 't-sff-plugin2' };
    again = slowFastFlowPlugin.create(opts, {
      configDir: '.',
      seed: 1,
      log: () => {},
      modelDimension: 60,
    }) as SlowFastFlowModel;
    assert.deepEqual(
      [again.slowIndices, again.circular, Array.from(again.outputScales)],
      [model.slowIndices, model.circular, Array.from(model.outputScales)],
    );
    const a = model.draw(4, createRng(5)),
      b = again.draw(4, createRng(5));
    assert.deepEqual(Array.from(a.y.dataSync()), Array.from(b.y.dataSync()));
    tf.dispose([a.y, a.logQ, a.z!, b.y, b.logQ, b.z!]);
    const noPhi = {
      name: 'internal-coordinates',
      inputDimension: 3,
      names: ['bond A-B', 'angle A-B-C', 'torsion A-B-C-D'],
      circular: Uint8Array.from([0, 0, 1]),
    } as never;
    assert.throws(
      () =>
        slowFastFlowPlugin.create(
          { slow: 'phi-psi', scope: 't-sff-none' },
          { ...ctx, transform: noPhi, modelDimension: 3 },
        ),
      /option slow 'phi-psi'.*no torsion coordinate for φ/,
    );
    assert.throws(
      () =>
        slowFastFlowPlugin.create(
          { slow: [0], scope: 't-sff-none' },
          { configDir: '.', seed: 1, log: () => {}, modelDimension: 3 },
        ),
      /circular 'auto' needs a transform/,
    );
  } finally {
    model.dispose();
    again?.dispose();
  }
});

test("the flow plugin's circular presets pick φ, ψ (and the methyl rotors) by atom names", () => {
  const names = alanineNames();
  const transform = {
    name: 'internal-coordinates',
    inputDimension: 60,
    names,
    circular: Uint8Array.from(names, (n) => (n.startsWith('torsion') ? 1 : 0)),
  } as never;
  const ctx = { configDir: '.', seed: 1, log: () => {}, transform, modelDimension: 60 };
  const a = flowPlugin.create(
    { circular: 'phi-psi', layers: 1, hidden: [4], scope: 't-flow-preset1' },
    ctx,
  ) as FlowModel;
  const b = flowPlugin.create(
    { circular: 'phi-psi-methyls', layers: 1, hidden: [4], scope: 't-flow-preset2' },
    ctx,
  ) as FlowModel;
  try {
    assert.deepEqual(a.circular, [41, 45]);
    assert.deepEqual(b.circular, [41, 45, 49, 54, 57]);
    assert.deepEqual(
      (b.metadata().options as { circular: number[] }).circular,
      [41, 45, 49, 54, 57],
      'checkpoints store the indices',
    );
    assert.throws(
      () =>
        flowPlugin.create(
          { circular: 'phi-psi', scope: 't-flow-preset3' },
          { configDir: '.', seed: 1, log: () => {}, modelDimension: 60 },
        ),
      /flow model: option circular 'phi-psi' needs a transform that names/,
    );
  } finally {
    a.dispose();
    b.dispose();
  }
});

test('slow-fast flow: a short reverse-KL fit to a correlated target on (angle, line) lowers the loss', () => {
  // U(θ, x) = −2 cos θ + (x − 0.8 sin θ)² / (2 · 0.3²) (β = 1): a von Mises slow angle and a fast
  // Gaussian whose mean follows it. The model starts uniform in θ and N(0, 1) in x.
  const model = new SlowFastFlowModel(
    { slow: [0], circular: [0], layers: 2, hidden: [16], fastHidden: [16], bins: 6, scope: 't-sff-fit' },
    { dimension: 2, seed: 3 },
  );
  const loss = (n: number, seed: number) =>
    tf.tidy(() => {
      const d = model.draw(n, createRng(seed));
      const [th, x] = tf.split(d.y, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      const U = tf.add(tf.mul(tf.cos(th), -2), tf.div(tf.square(tf.sub(x, tf.mul(tf.sin(th), 0.8))), 2 * 0.09));
      return tf.mean(tf.add(d.logQ, tf.reshape(U, [n]))) as tf.Scalar;
    });
  try {
    const before = loss(4000, 100).dataSync()[0]!;
    const opt = tf.train.adam(2e-2);
    const rng = createRng(8);
    for (let step = 0; step < 150; step++) {
      // Energies and forces from the analytic target on a first draw, then the same batch redrawn
      // (same RNG state) under the gradient tape, through energyOp, as core's trainer does.
      const snap = rng.getState();
      const pre = model.draw(128, rng);
      const y = pre.y.dataSync();
      tf.dispose([pre.y, pre.logQ, pre.z!]);
      rng.setState(snap);
      const E = new Float32Array(128),
        F = new Float32Array(256);
      for (let i = 0; i < 128; i++) {
        const th = y[2 * i]!,
          x = y[2 * i + 1]!,
          r = x - 0.8 * Math.sin(th);
        E[i] = -2 * Math.cos(th) + (r * r) / 0.18;
        F[2 * i] = -(2 * Math.sin(th) - (r / 0.09) * 0.8 * Math.cos(th));
        F[2 * i + 1] = -(r / 0.09);
      }
      const Et = tf.tensor1d(E),
        Ft = tf.tensor2d(F, [128, 2]);
      const cost = opt.minimize(
        () => {
          const d = model.draw(128, rng);
          return tf.mean(tf.add(d.logQ, energyOp(d.y, Et, Ft))) as tf.Scalar;
        },
        true,
        model.variables(),
      );
      tf.dispose([Et, Ft]);
      assert.ok(Number.isFinite(cost!.dataSync()[0]!), `loss not finite at step ${step}`);
      cost!.dispose();
    }
    opt.dispose();
    const after = loss(4000, 101).dataSync()[0]!;
    // Exact: −log Z = −log(2π I₀(2) · √(2π) · 0.3) ≈ −2.972.
    const logZ = Math.log(2 * Math.PI * 2.2795853 * Math.sqrt(2 * Math.PI) * 0.3);
    assert.ok(after < before - 1, `loss ${before} → ${after}`);
    assert.ok(after + logZ < 0.15, `KL after training ${after + logZ} nats (before ${before + logZ})`);
    console.log(`# slow-fast fit: KL ${(before + logZ).toFixed(3)} → ${(after + logZ).toFixed(3)} nats`);
  } finally {
    model.dispose();
  }
});

test('slow-fast flow with defensive ε: log q of the mixture is exact (logProb = logQ, the mixture identity, ∫q = 1), and non-angle slow coordinates are refused', () => {
  const eps = 0.3;
  const opts = {
    slow: [0],
    circular: [0],
    layers: 2,
    hidden: [8],
    fastHidden: [8],
    bins: 5,
    fastLayers: 1,
    defensive: eps,
  };
  const ctx = { dimension: 2, seed: 4, outputMean: [1, -0.5], outputScales: [1, 0.5] };
  const m = new SlowFastFlowModel({ ...opts, scope: 't-sffd' }, ctx);
  const plain = new SlowFastFlowModel({ ...opts, defensive: 0, scope: 't-sffd0' }, ctx);
  try {
    perturbVariables(m, 3, 0.3);
    // Same variables in both models: the mixture density is (1 − ε) q_plain(θ) q(x|θ) + ε/(2π) q(x|θ).
    plain.variables().forEach((v, k) => v.assign(m.variables()[k]!));
    const d = m.draw(2000, createRng(5));
    const lq = d.logQ.dataSync(),
      lp = m.logProb(d.y).dataSync(),
      l0 = plain.logProb(d.y).dataSync();
    const y = d.y.arraySync();
    for (let i = 0; i < 2000; i++) {
      assert.ok(
        Math.abs(lq[i]! - lp[i]!) <= 1e-4 * Math.max(1, Math.abs(lq[i]!)),
        `sample ${i}: logQ ${lq[i]} vs logProb ${lp[i]}`,
      );
    }
    // The mixture identity, pointwise: exp(logProb) − (1 − ε) exp(logProb_plain) = ε/(2π) · q(x|θ) ≥ 0, with q(x|θ) = q_plain(θ, x)/q_plain(θ).
    const theta = tf.tensor2d(y.map((r) => [r[0]!]));
    const slowPlain = (plain as unknown as { slow: FlowModel }).slow.logProb(theta).dataSync();
    for (let i = 0; i < 200; i++) {
      const cond = Math.exp(l0[i]! - slowPlain[i]!);
      const expected = Math.log((1 - eps) * Math.exp(l0[i]!) + (eps / (2 * Math.PI)) * cond);
      assert.ok(Math.abs(expected - lp[i]!) < 1e-3, `row ${i}: mixture log q ${lp[i]} vs ${expected}`);
    }
    tf.dispose([d.y, d.logQ, d.z!, theta]);
    const s = integrate(m, [
      { lo: -Math.PI, hi: Math.PI, N: 400, periodic: true },
      { lo: -12, hi: 11, N: 801, periodic: false },
    ]);
    assert.ok(Math.abs(s - 1) < 3e-3, `∫q = ${s}`);
  } finally {
    m.dispose();
    plain.dispose();
  }
  assert.throws(
    () =>
      new SlowFastFlowModel(
        { slow: [0, 1], circular: [0], layers: 2, hidden: [8], defensive: 0.1, scope: 't-sffd-bad' },
        { dimension: 3, seed: 1 },
      ),
    (e: Error) => /option defensive/.test(e.message) && /\[1\]/.test(e.message),
  );
  assert.throws(
    () =>
      new SlowFastFlowModel(
        { slow: [0], circular: [0], defensive: 1, scope: 't-sffd-bad2' },
        { dimension: 2, seed: 1 },
      ),
    /option defensive must be < 1, got 1/,
  );
});

test('slow-fast flow with defensive ε: the fraction of draws from the uniform component is ε', () => {
  // A slow flow concentrated near θ = 0 (perturbed hard): draws with |θ| > 2.5 come almost only from
  // the uniform component, whose share there is ε · (2π − 5)/(2π).
  const eps = 0.2;
  const m = new SlowFastFlowModel(
    { slow: [0], circular: [0], layers: 2, hidden: [8], bins: 5, defensive: eps, scope: 't-sffdf' },
    { dimension: 1, seed: 4 },
  );
  const plain = new SlowFastFlowModel(
    { slow: [0], circular: [0], layers: 2, hidden: [8], bins: 5, scope: 't-sffdf0' },
    { dimension: 1, seed: 4 },
  );
  try {
    const n = 20000;
    const far = (model: SlowFastFlowModel) => {
      const d = model.draw(n, createRng(9));
      const y = d.y.dataSync();
      tf.dispose([d.y, d.logQ, d.z!]);
      return y.filter((v) => Math.abs(v) > 2.5).length / n;
    };
    // Fresh flows are the identity (uniform θ): the mixture is uniform too, the far share (2π − 5)/(2π).
    const uniformShare = (2 * Math.PI - 5) / (2 * Math.PI);
    assert.ok(Math.abs(far(m) - uniformShare) < 0.015, `fresh mixture: far share ${far(m)} vs ${uniformShare}`);
    // Squeeze the flow: fit it to a narrow von Mises by maximum likelihood on samples near 0.
    const data = tf.tensor2d(
      Float32Array.from({ length: 2000 }, (_, i) => 0.3 * Math.sin(i * 1.7)),
      [2000, 1],
    );
    const opt = tf.train.adam(0.05);
    for (let k = 0; k < 150; k++)
      opt.minimize(() => tf.neg(tf.mean(plain.logProb(data))) as tf.Scalar, false, plain.variables());
    m.variables().forEach((v, k) => v.assign(plain.variables()[k]!));
    const farPlain = far(plain);
    assert.ok(farPlain < 0.01, `the fitted flow alone rarely goes far: ${farPlain}`);
    const expected = (1 - eps) * farPlain + eps * uniformShare;
    assert.ok(Math.abs(far(m) - expected) < 0.012, `mixture far share ${far(m)}, expected ${expected.toFixed(4)}`);
    tf.dispose(data);
    opt.dispose();
  } finally {
    m.dispose();
    plain.dispose();
  }
});
