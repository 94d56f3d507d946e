import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { Ajv } from 'ajv';
import { createRng } from '@embedcg/core';
import { runPluginConformance } from '@embedcg/core/testkit';
import {
  createVaeModel,
  optionsSchema,
  resolveOptions,
  unclampLogVariance,
  vaePlugin,
  type VaeModel,
} from './index.js';
import { fitCorrelatedGaussian } from './gaussian-fit.test.util.js';
import { ConditionalSplineFlow } from './flow-decoder.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

const LOG_2PI = Math.log(2 * Math.PI);

function setVar(model: VaeModel, name: string, values: number[]): void {
  const v = model.variables().find((x) => x.name === name);
  assert.ok(v, `no variable ${name}`);
  assert.equal(v.size, values.length, `${name} has ${v.size} entries`);
  v.assign(tf.tensor(values, v.shape));
}

/**
 * Random (non-zero) weights for every flow-decoder variable: a decidedly non-identity flow. The
 * output layers get `outScale`: raw spline parameters of order 1 bend the splines visibly without
 * the extreme bins (float32-ill-conditioned inverse, spikes finer than a test grid) of larger ones.
 */
function randomiseFlow(variables: tf.Variable[], seed: number, outScale = 0.15): void {
  const rng = createRng(seed);
  for (const v of variables.filter((x) => /\/decoder\/flow\d+\//.test(x.name))) {
    const scale = /\/out\//.test(v.name) ? outScale : 0.5;
    const w = rng.fillNormal(new Float32Array(v.size)) as Float32Array;
    for (let i = 0; i < w.length; i++) w[i] = w[i]! * scale;
    v.assign(tf.tensor(w, v.shape));
  }
}

function logMeanExp(xs: ArrayLike<number>): number {
  let mx = -Infinity;
  for (let i = 0; i < xs.length; i++) mx = Math.max(mx, xs[i]!);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += Math.exp(xs[i]! - mx);
  return mx + Math.log(s / xs.length);
}

const small = { latentDim: 1, decoderHidden: [8], encoderHidden: [8], encoderActivations: ['selu' as const] };

test('a zero-initialised flow decoder is the Gaussian decoder: same draw, bound and decode for the same seeds', () => {
  const D = 6;
  const plain = createVaeModel({ ...small, latentDim: 2, scope: 'plain', outputScale: 0.3 }, { dimension: D, seed: 4 });
  const flow = createVaeModel(
    { ...small, latentDim: 2, scope: 'withflow', outputScale: 0.3, decoderFlow: { layers: 3, hidden: [8] } },
    { dimension: D, seed: 4 },
  );
  try {
    // The Gaussian part and the encoder get the same initial weights; the flow's variables come last.
    const shared = plain.variables().length;
    assert.ok(flow.variables().length > shared);
    for (let i = 0; i < shared; i++) {
      assert.equal(flow.variables()[i]!.name.replace(/^withflow/, 'plain'), plain.variables()[i]!.name);
      assert.deepEqual(flow.variables()[i]!.dataSync(), plain.variables()[i]!.dataSync());
    }
    const a = plain.draw(64, createRng(9));
    const b = flow.draw(64, createRng(9));
    const close = (x: tf.Tensor, y: tf.Tensor, tol: number, what: string) => {
      const xs = x.dataSync(),
        ys = y.dataSync();
      let worst = 0;
      for (let i = 0; i < xs.length; i++) worst = Math.max(worst, Math.abs(xs[i]! - ys[i]!));
      assert.ok(worst <= tol, `${what} differs by up to ${worst}`);
    };
    // A spline with zero raw parameters is the identity up to float32 rounding (a few ulps).
    close(a.y, b.y, 1e-6, 'y');
    close(a.z!, b.z!, 0, 'z');
    close(a.logQ, b.logQ, 1e-4, 'logQ');
    const la = plain.logProbBound(a.y, createRng(3));
    const lb = flow.logProbBound(a.y, createRng(3));
    close(la, lb, 1e-4, 'logProbBound');
    const zs = tf.tensor2d([
      [0, 0],
      [1, -0.5],
      [-2, 0.3],
    ]);
    const da = plain.decode(zs),
      db = flow.decode(zs);
    close(da, db, 1e-6, 'decode');
    tf.dispose([a.y, a.logQ, a.z!, b.y, b.logQ, b.z!, la, lb, zs, da, db]);
  } finally {
    plain.dispose();
    flow.dispose();
  }
});

test('conditional flow: variables named <scope>/decoder/flow<k>/..., the inverse round-trips and log-dets cancel', () => {
  const D = 5,
    d = 2,
    n = 256;
  const flow = new ConditionalSplineFlow('t/decoder', createRng(1), D, d, {
    layers: 4,
    bins: 8,
    bound: 3,
    hidden: [16, 16],
  });
  try {
    const names = flow.variables().map((v) => v.name);
    assert.deepEqual(names.slice(0, 6), [
      't/decoder/flow0/dense0/kernel',
      't/decoder/flow0/dense0/bias',
      't/decoder/flow0/dense1/kernel',
      't/decoder/flow0/dense1/bias',
      't/decoder/flow0/out/kernel',
      't/decoder/flow0/out/bias',
    ]);
    assert.equal(names.length, 4 * 6);
    randomiseFlow(flow.variables(), 5);
    const rng = createRng(2);
    const v = tf.tensor2d(rng.fillNormal(new Float32Array(n * D)) as Float32Array, [n, D]).mul(1.5) as tf.Tensor2D;
    const z = tf.tensor2d(rng.fillNormal(new Float32Array(n * d)) as Float32Array, [n, d]);
    const fwd = flow.forward(v, z);
    const inv = flow.inverse(fwd.u, z);
    const vs = v.dataSync(),
      back = inv.v.dataSync(),
      us = fwd.u.dataSync();
    let worst = 0,
      moved = 0;
    for (let i = 0; i < vs.length; i++) {
      worst = Math.max(worst, Math.abs(vs[i]! - back[i]!));
      moved = Math.max(moved, Math.abs(vs[i]! - us[i]!));
    }
    assert.ok(moved > 0.1, `the random flow should move points (max shift ${moved})`);
    assert.ok(worst < 1e-4, `f⁻¹(f(v; z); z) differs from v by up to ${worst}`);
    const lf = fwd.logDet.dataSync(),
      li = inv.logDet.dataSync();
    let worstDet = 0,
      spread = 0;
    for (let i = 0; i < n; i++) {
      worstDet = Math.max(worstDet, Math.abs(lf[i]! + li[i]!));
      spread = Math.max(spread, Math.abs(lf[i]!));
    }
    assert.ok(spread > 0.05, `the random flow should have a non-trivial Jacobian (max |log det| ${spread})`);
    assert.ok(worstDet < 1e-3, `forward and inverse log-dets do not cancel (up to ${worstDet})`);
    // The flow depends on z: the same v with another z goes elsewhere.
    const other = flow.forward(v, tf.zerosLike(z) as tf.Tensor2D);
    const os = other.u.dataSync();
    let dz = 0;
    for (let i = 0; i < os.length; i++) dz = Math.max(dz, Math.abs(os[i]! - us[i]!));
    assert.ok(dz > 0.01, `the flow ignores z (max change ${dz})`);
    tf.dispose([v, z, fwd.u, fwd.logDet, inv.v, inv.logDet, other.u, other.logDet]);
  } finally {
    flow.dispose();
  }
});

/** D = 2, d = 1 model with a known linear Gaussian stage and a random flow on top. */
function randomFlowModel(scope: string): VaeModel {
  const model = createVaeModel(
    {
      latentDim: 1,
      decoderHidden: [],
      decoderActivation: 'linear',
      encoderHidden: [],
      encoderActivations: [],
      scope,
      outputMean: [0.2, -0.1],
      outputScale: 0.5,
      decoderFlow: { layers: 3, bins: 6, bound: 3, hidden: [12] },
    },
    { dimension: 2, seed: 11 },
  );
  setVar(model, `${scope}/decoder/mean/kernel`, [0.9, -0.6]);
  setVar(model, `${scope}/decoder/mean/bias`, [0.1, 0.2]);
  setVar(model, `${scope}/decoder/logvar`, [unclampLogVariance(Math.log(0.3)), unclampLogVariance(Math.log(0.2))]);
  randomiseFlow(model.variables(), 21);
  return model;
}

test('flow decoder with random weights: q(y|z) integrates to 1 over y on a grid (D = 2)', () => {
  const model = randomFlowModel('grid');
  try {
    // y = m + s u; the Gaussian stage has |v| ≲ 3, the flow is the identity beyond |·| = 3, so
    // u ∈ [−6, 6]² holds all but a negligible tail; in y that is m ± 3.
    const h = 0.02;
    const lo = -3,
      count = Math.round(6 / h) + 1;
    const ys = new Float32Array(count * count * 2);
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < count; j++) {
        ys[(i * count + j) * 2] = 0.2 + lo + i * h;
        ys[(i * count + j) * 2 + 1] = -0.1 + lo + j * h;
      }
    }
    for (const zv of [-1.3, 0, 0.8]) {
      const y = tf.tensor2d(ys, [count * count, 2]);
      const z = tf.fill([count * count, 1], zv) as tf.Tensor2D;
      const lq = model.decoderLogDensity(y, z);
      const vals = lq.dataSync();
      let mass = 0;
      for (let i = 0; i < vals.length; i++) mass += Math.exp(vals[i]!) * h * h;
      tf.dispose([y, z, lq]);
      assert.ok(Math.abs(mass - 1) < 2e-3, `z = ${zv}: ∫ q(y|z) dy = ${mass}`);
    }
    // The flow really changes the density: it is not the Gaussian stage's.
    const y0 = tf.tensor2d([
      [0.2, -0.1],
      [0.6, 0.3],
    ]);
    const z0 = tf.tensor2d([[0.5], [0.5]]);
    const lq = model.decoderLogDensity(y0, z0).dataSync();
    const gauss = [
      [0.2, -0.1],
      [0.6, 0.3],
    ].map(([a, b]) => {
      const u = [(a! - 0.2) / 0.5, (b! + 0.1) / 0.5];
      const mu = [0.9 * 0.5 + 0.1, -0.6 * 0.5 + 0.2];
      const vars = [0.3, 0.2];
      return (
        u.reduce((acc, uk, k) => acc - 0.5 * (LOG_2PI + Math.log(vars[k]!) + (uk - mu[k]!) ** 2 / vars[k]!), 0) -
        2 * Math.log(0.5)
      );
    });
    assert.ok(
      Math.abs(lq[0]! - gauss[0]!) + Math.abs(lq[1]! - gauss[1]!) > 0.05,
      `flow density ${Array.from(lq)} equals the Gaussian's ${gauss}`,
    );
    tf.dispose([y0, z0]);
  } finally {
    model.dispose();
  }
});

test("flow decoder: draw()'s logQ is log p(z) + log q(y|z) − log r(z|y) with q(y|z) from the spline inverse", () => {
  const model = randomFlowModel('consistency');
  try {
    const n = 500;
    const { y, logQ, z } = model.draw(n, createRng(31));
    const lq = model.decoderLogDensity(y, z!).dataSync();
    const encMean = model.encode(y).dataSync();
    const encLv = model.encodeLogVariance(y).dataSync();
    const zs = z!.dataSync(),
      got = logQ.dataSync();
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const zi = zs[i]!;
      const logP = -0.5 * zi * zi - 0.5 * LOG_2PI;
      const logR = -0.5 * (LOG_2PI + encLv[i]! + (zi - encMean[i]!) ** 2 * Math.exp(-encLv[i]!));
      worst = Math.max(worst, Math.abs(got[i]! - (logP + lq[i]! - logR)));
    }
    assert.ok(worst < 2e-3, `draw logQ deviates from the inverse-based bound by up to ${worst}`);
    tf.dispose([y, logQ, z!]);
  } finally {
    model.dispose();
  }
});

test('flow decoder: log E_r[exp(logProbBound)] = log q(y), with log q(y) = log ∫ p(z) q(y|z) dz by quadrature (d = 1, D = 2)', () => {
  const model = randomFlowModel('evidence');
  try {
    // Quadrature over z on [−7, 7].
    const hz = 0.01;
    const zGrid = Array.from({ length: Math.round(14 / hz) + 1 }, (_, i) => -7 + i * hz);
    const nz = zGrid.length;
    for (const target of [
      [0.3, 0.1],
      [0.9, -0.4],
      [-0.3, 0.2],
    ]) {
      const y = tf.tensor2d(
        Float32Array.from({ length: nz * 2 }, (_, i) => target[i % 2]!),
        [nz, 2],
      );
      const z = tf.tensor2d(Float32Array.from(zGrid), [nz, 1]);
      const lq = model.decoderLogDensity(y, z).dataSync();
      tf.dispose([y, z]);
      const logJoint = zGrid.map((zv, i) => lq[i]! - 0.5 * zv * zv - 0.5 * LOG_2PI);
      const mx = Math.max(...logJoint);
      let mass = 0,
        m1 = 0,
        m2 = 0;
      logJoint.forEach((l, i) => {
        const w = Math.exp(l - mx);
        mass += w;
        m1 += w * zGrid[i]!;
        m2 += w * zGrid[i]! ** 2;
      });
      const logQy = mx + Math.log(mass * hz);
      // A tight encoder for this y: the posterior's mean and variance (encoder weights 0, biases set).
      const postMean = m1 / mass;
      const postVar = m2 / mass - postMean * postMean;
      setVar(model, 'evidence/encoder/mean/kernel', [0, 0]);
      setVar(model, 'evidence/encoder/mean/bias', [postMean]);
      setVar(model, 'evidence/encoder/logvar/kernel', [0, 0]);
      setVar(model, 'evidence/encoder/logvar/bias', [unclampLogVariance(Math.log(postVar))]);
      const reps = 20000;
      const b = model.logProbBound(
        tf.tensor2d(
          Float32Array.from({ length: reps * 2 }, (_, i) => target[i % 2]!),
          [reps, 2],
        ),
        createRng(41),
      );
      const vals = b.dataSync();
      b.dispose();
      const mean = Array.from(vals).reduce((a, v) => a + v, 0) / reps;
      const lme = logMeanExp(vals);
      assert.ok(mean <= logQy + 0.005, `y = ${target}: the mean bound ${mean} must not exceed log q(y) = ${logQy}`);
      assert.ok(
        logQy - mean < 0.5,
        `y = ${target}: the Gaussian-posterior encoder should be fairly tight (gap ${logQy - mean})`,
      );
      assert.ok(
        Math.abs(lme - logQy) < 0.01,
        `y = ${target}: log-mean-exp of the bound ${lme}, quadrature log q(y) ${logQy}`,
      );
    }
  } finally {
    model.dispose();
  }
});

test('decoderFlow options: defaults, metadata round trip, clear errors, schema', () => {
  const o = resolveOptions({ decoderFlow: {} }, 4);
  assert.deepEqual(o.decoderFlow, { layers: 4, bins: 8, bound: 4, hidden: [64, 64] });
  assert.equal(resolveOptions({}, 4).decoderFlow, undefined);
  const bad: Array<[unknown, RegExp]> = [
    [{ layers: 0 }, /decoderFlow\.layers must be ≥ 1, got 0/],
    [{ bins: 1 }, /decoderFlow\.bins must be ≥ 2, got 1/],
    [{ bound: -1 }, /decoderFlow\.bound must be > 0, got -1/],
    [{ hidden: [0] }, /decoderFlow\.hidden\[0\] must be ≥ 1, got 0/],
    [{ layer: 2 }, /decoderFlow\.layer is not an option/],
    [3, /option decoderFlow must be an object/],
  ];
  for (const [flow, re] of bad) assert.throws(() => resolveOptions({ decoderFlow: flow as never }, 4), re);

  const validate = new Ajv({ useDefaults: true, strict: false }).compile(optionsSchema);
  const filled: Record<string, unknown> = { decoderFlow: { layers: 2 } };
  assert.ok(validate(filled), JSON.stringify(validate.errors));
  assert.deepEqual(filled.decoderFlow, { layers: 2, bins: 8, bound: 4, hidden: [64, 64] });
  const plain: Record<string, unknown> = {};
  assert.ok(validate(plain));
  assert.equal(plain.decoderFlow, undefined, 'absent decoderFlow must stay absent (Gaussian decoder)');
  assert.equal(validate({ decoderFlow: { layers: 0 } }), false);
  assert.equal(validate({ decoderFlow: { bins: 2.5 } }), false);
  assert.equal(validate({ decoderFlow: { typo: 1 } }), false);

  const model = createVaeModel(
    { ...small, decoderFlow: { layers: 2, bins: 5, bound: 2.5, hidden: [6] } },
    { dimension: 3, seed: 1 },
  );
  try {
    const meta = model.metadata();
    assert.deepEqual((meta.options as Record<string, unknown>).decoderFlow, {
      layers: 2,
      bins: 5,
      bound: 2.5,
      hidden: [6],
    });
    const names = model.variables().map((v) => `${v.name}:${v.shape.join('x')}`);
    model.dispose();
    const again = createVaeModel(meta.options as never, { dimension: 3, seed: 1 });
    assert.deepEqual(
      again.variables().map((v) => `${v.name}:${v.shape.join('x')}`),
      names,
    );
    // D = 3: the conditioner sees 1 or 2 untouched coordinates plus z; spline parameters 3K − 1 = 14 each.
    assert.ok(names.includes('vae/decoder/flow0/dense0/kernel:3x6'), names.join(', '));
    assert.ok(names.includes('vae/decoder/flow0/out/kernel:6x14'), names.join(', '));
    assert.ok(names.includes('vae/decoder/flow1/out/kernel:6x28'), names.join(', '));
    again.dispose();
  } finally {
    model.dispose();
  }
});

test("the vae plugin with decoderFlow passes core's model conformance suite", async () => {
  const options = {
    latentDim: 2,
    decoderHidden: [16],
    encoderHidden: [16],
    encoderActivations: ['selu'],
    decoderFlow: { layers: 2, hidden: [16] },
  };
  const results = await runPluginConformance(vaePlugin, {
    options,
    context: { modelDimension: 12 },
    throwOnFailure: false,
  });
  const failed = results.filter((r) => !r.passed);
  assert.deepEqual(failed, [], JSON.stringify(failed));
  assert.ok(results.length >= 3);
});

test('training with decoderFlow on decreases the reverse-KL loss on a correlated Gaussian', () => {
  const model = createVaeModel(
    {
      latentDim: 1,
      decoderHidden: [32],
      encoderHidden: [32],
      encoderActivations: ['selu'],
      decoderFlow: { layers: 2, bins: 6, hidden: [16] },
    },
    { dimension: 2, seed: 3 },
  );
  try {
    const { before, after } = fitCorrelatedGaussian(model, 250);
    // The flow's variables moved off zero: the flow decoder takes part in training.
    const flowNorm = model
      .variables()
      .filter((v) => /flow\d+\/out\/kernel/.test(v.name))
      .reduce((a, v) => a + tf.tidy(() => tf.sum(tf.abs(v)).dataSync()[0]!), 0);
    assert.ok(flowNorm > 1e-3, `flow output layers stayed at zero (Σ|w| = ${flowNorm})`);
    assert.ok(before > 1, `the initial model should be far from the target (gap ${before})`);
    assert.ok(after > -0.03, `bound gap ${after} is below zero beyond noise: the bound is not an upper bound`);
    assert.ok(after < 0.3 && after < before / 5, `bound gap after training ${after} nats (was ${before})`);
  } finally {
    model.dispose();
  }
});
