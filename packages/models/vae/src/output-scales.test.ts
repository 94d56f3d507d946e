// Per-dimension output scales (outputScales, scaleByKind) and circular coordinates of the VAE.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { Ajv } from 'ajv';
import { createRng } from '@embedcg/core';
import type { CoordinateTransform, ForceField, PluginContext } from '@embedcg/core';
import {
  createVaeModel,
  gaussianLogDensity,
  importanceLogWeights,
  optionsSchema,
  resolveOptions,
  scalesByKind,
  unclampLogVariance,
  vaePlugin,
  type VaeModel,
  type VaeOptionsInput,
} from './index.js';
import { assertGradientsMatchDifferences, setupBackend } from './setup.test.util.js';

before(setupBackend);

const D = 4;
const SCALES = [0.004, 0.04, 0.3, 1.7];
const MEAN = [0.15, 1.9, -2.5, 0.4];
const LOG_S = SCALES.reduce((a, s) => a + Math.log(s), 0);
const small: VaeOptionsInput = {
  latentDim: 2,
  decoderHidden: [6, 5],
  encoderHidden: [7, 4],
  encoderActivations: ['selu', 'logsigmoid'],
  finalLayerScale: 1,
};

function setVar(model: VaeModel, name: string, values: number[]): void {
  const v = model.variables().find((x) => x.name === name);
  assert.ok(v, `no variable ${name}`);
  assert.equal(v.size, values.length, `${name} has ${v.size} entries`);
  v.assign(tf.tensor(values, v.shape));
}

function perturbBiases(model: VaeModel): void {
  const prng = createRng(99);
  for (const v of model.variables())
    if (v.name.endsWith('/bias')) v.assign(tf.add(v, tf.randomUniform(v.shape, -0.3, 0.3, 'float32', prng.int(1e9))));
}

const near = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tolerance ${tol})`);

const decoders: Array<[string, VaeOptionsInput]> = [
  ['Gaussian decoder', {}],
  ['flow decoder', { decoderFlow: { layers: 2, bins: 5, hidden: [6] } }],
];
for (const [label, extra] of decoders) {
  test(`per-dimension scales: y = m + s·u and every log-density shifts by exactly −Σ log s_i (${label})`, () => {
    // Same seed: the scaled model and a standardised one (s = 1, m = 0) get the same weights.
    const scaled = createVaeModel(
      { ...small, ...extra, outputScales: SCALES, outputMean: MEAN },
      { dimension: D, seed: 5 },
    );
    const plain = createVaeModel({ ...small, ...extra, scope: 'plain' }, { dimension: D, seed: 5 });
    try {
      for (const m of [scaled, plain]) perturbBiases(m);
      // Flow decoders start at the identity: move their output layers so the flow matters.
      for (const m of [scaled, plain]) {
        const prng = createRng(7);
        for (const v of m.variables())
          if (/flow\d+\/out\/kernel/.test(v.name))
            v.assign(tf.randomUniform(v.shape, -0.2, 0.2, 'float32', prng.int(1e9)));
      }
      assert.deepEqual(Array.from(scaled.outputScales), SCALES);
      assert.deepEqual(Array.from(plain.outputScales), [1, 1, 1, 1]);
      const n = 9;
      const a = scaled.draw(n, createRng(3));
      const b = plain.draw(n, createRng(3));
      const ya = a.y.arraySync(),
        yb = b.y.arraySync();
      const qa = a.logQ.arraySync(),
        qb = b.logQ.arraySync();
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < D; k++)
          near(
            ya[i]![k]!,
            MEAN[k]! + SCALES[k]! * yb[i]![k]!,
            1e-5 * Math.max(1, Math.abs(ya[i]![k]!)),
            `y[${i}][${k}]`,
          );
        near(qa[i]!, qb[i]! - LOG_S, 1e-4 * Math.max(1, Math.abs(qa[i]!)), `draw logQ[${i}]`);
      }
      // The densities of given configurations, at the same z / the same recognition noise.
      const da = scaled.decoderLogDensity(a.y, a.z!).arraySync();
      const db = plain.decoderLogDensity(b.y, b.z!).arraySync();
      const ba = scaled.logProbBound(a.y, createRng(4)).arraySync();
      const bb = plain.logProbBound(b.y, createRng(4)).arraySync();
      const ea = scaled.encode(a.y).arraySync(),
        eb = plain.encode(b.y).arraySync();
      for (let i = 0; i < n; i++) {
        near(da[i]!, db[i]! - LOG_S, 2e-3 * Math.max(1, Math.abs(da[i]!)), `decoderLogDensity[${i}]`);
        near(ba[i]!, bb[i]! - LOG_S, 2e-3 * Math.max(1, Math.abs(ba[i]!)), `logProbBound[${i}]`);
        for (let k = 0; k < 2; k++) near(ea[i]![k]!, eb[i]![k]!, 1e-3, `encode[${i}][${k}]`);
      }
      // decodeLogVariance is of y: the standardised one plus 2 log s_i.
      const la = scaled.decodeLogVariance(a.z!).arraySync(),
        lb = plain.decodeLogVariance(b.z!).arraySync();
      for (let i = 0; i < n; i++)
        for (let k = 0; k < D; k++)
          near(la[i]![k]!, lb[i]![k]! + 2 * Math.log(SCALES[k]!), 1e-4, `decodeLogVariance[${i}][${k}]`);
      tf.dispose([a.y, a.logQ, a.z!, b.y, b.logQ, b.z!]);
    } finally {
      scaled.dispose();
      plain.dispose();
    }
  });
}

test('per-dimension scales: decoderLogDensity is the density of y itself, N(y; decode(z), exp(decodeLogVariance(z))), in Float64', () => {
  const model = createVaeModel(
    { ...small, decoderVariance: 'head', outputScales: SCALES, outputMean: MEAN },
    { dimension: D, seed: 8 },
  );
  try {
    perturbBiases(model);
    const z = tf.tensor2d([
      [0.3, -1.1],
      [1.4, 0.2],
      [-0.6, 0.9],
    ]);
    const y = tf.tensor2d([
      [0.151, 1.93, -2.2, 1.1],
      [0.148, 1.85, -2.9, -0.8],
      [0.16, 1.9, -2.5, 0.4],
    ]);
    const got = model.decoderLogDensity(y, z).arraySync();
    const mean = model.decode(z).arraySync(),
      lv = model.decodeLogVariance(z).arraySync(),
      yv = y.arraySync();
    for (let i = 0; i < 3; i++) {
      const want = gaussianLogDensity(yv[i]!, mean[i]!, lv[i]!);
      near(got[i]!, want, 2e-3 * Math.max(1, Math.abs(want)), `row ${i}`);
    }
    tf.dispose([z, y]);
  } finally {
    model.dispose();
  }
});

/**
 * Anisotropic Gaussian target p = N(m, diag σ_j²) at inverse temperature β, with per-dimension
 * output scales c_j: a linear decoder u_j = a_j z_j + N(0, v_j), a_j² + v_j = (σ_j/c_j)², and the
 * exact linear posterior as encoder make every sample's ℓ = log q(y) = log p(y) + log Z, so
 * log w = log Z exactly, and the bound of any y is tight.
 */
test('importance weights and the bound are exact for an anisotropic Gaussian with an exact linear model and per-dimension scales', () => {
  const sigma = [0.01, 0.5];
  const c = [0.004, 0.3];
  const m = [0.15, -2];
  const beta = 0.4;
  const sU = sigma.map((s, j) => s / c[j]!);
  const a = sU.map((v) => 0.9 * v);
  const varU = sU.map((v, j) => v * v - a[j]! * a[j]!);
  const model = createVaeModel(
    {
      latentDim: 2,
      decoderHidden: [],
      decoderActivation: 'linear',
      encoderHidden: [],
      encoderActivations: [],
      outputMean: m,
      outputScales: c,
    },
    { dimension: 2, seed: 1 },
  );
  try {
    setVar(model, 'vae/decoder/mean/kernel', [a[0]!, 0, 0, a[1]!]);
    setVar(model, 'vae/decoder/mean/bias', [0, 0]);
    setVar(
      model,
      'vae/decoder/logvar',
      varU.map((v) => unclampLogVariance(Math.log(v))),
    );
    setVar(model, 'vae/encoder/mean/kernel', [a[0]! / sU[0]! ** 2, 0, 0, a[1]! / sU[1]! ** 2]);
    setVar(model, 'vae/encoder/mean/bias', [0, 0]);
    setVar(model, 'vae/encoder/logvar/kernel', [0, 0, 0, 0]);
    setVar(
      model,
      'vae/encoder/logvar/bias',
      varU.map((v, j) => unclampLogVariance(Math.log(v / sU[j]! ** 2))),
    );
    const n = 2000;
    const { y, logQ, z } = model.draw(n, createRng(8));
    const ys = y.dataSync();
    const energies = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 2; j++) energies[i]! += (ys[i * 2 + j]! - m[j]!) ** 2 / (2 * beta * sigma[j]! ** 2);
    }
    const logZ = sigma.reduce((acc, s) => acc + 0.5 * Math.log(2 * Math.PI * s * s), 0);
    const logW = importanceLogWeights(logQ.dataSync(), energies, beta);
    let worst = 0;
    for (const lw of logW) worst = Math.max(worst, Math.abs(lw - logZ));
    assert.ok(worst < 2e-4, `log w deviates from the exact log Z = ${logZ} by up to ${worst}`);
    const bound = model.logProbBound(y, createRng(9)).dataSync();
    let worstBound = 0;
    for (let i = 0; i < n; i++) worstBound = Math.max(worstBound, Math.abs(bound[i]! - (-beta * energies[i]! - logZ)));
    assert.ok(worstBound < 2e-3, `logProbBound deviates from the exact log q(y) by up to ${worstBound}`);
    // The samples follow N(m, σ²) per dimension: the scales really act per dimension.
    for (let j = 0; j < 2; j++) {
      let v = 0;
      for (let i = 0; i < n; i++) v += (ys[i * 2 + j]! - m[j]!) ** 2 / n;
      assert.ok(Math.abs(v / sigma[j]! ** 2 - 1) < 0.15, `variance of y_${j} = ${v}, want ${sigma[j]! ** 2}`);
    }
    tf.dispose([y, logQ, z!]);
  } finally {
    model.dispose();
  }
});

test('per-dimension scales: loss gradients match central differences', () => {
  const model = createVaeModel(
    { ...small, latentDim: 1, outputScales: [0.5, 2, 0.25], outputMean: [0.2, -0.4, 0.6] },
    { dimension: 3, seed: 4 },
  );
  const loss = () => {
    const { y, logQ } = model.draw(32, createRng(21));
    const e = tf.mul(
      tf.sum(tf.mul(tf.square(tf.sub(y, tf.tensor1d([0.1, 0.5, -0.2]))), tf.tensor1d([1, 0.5, 3])), 1),
      0.35,
    );
    return tf.mean(tf.add(logQ, e)) as tf.Scalar;
  };
  try {
    assertGradientsMatchDifferences(model.variables(), loss, { rel: 1e-2, abs: 2e-3 });
  } finally {
    model.dispose();
  }
});

test('uniform scales keep the old arithmetic and metadata; outputScales all equal behave like outputScale', () => {
  const a = createVaeModel({ ...small, outputScale: 0.05 }, { dimension: D, seed: 2 });
  const ya = a.draw(5, createRng(1));
  const meta = a.metadata().options as Record<string, unknown>;
  const qa = ya.logQ.arraySync(),
    yya = ya.y.arraySync();
  tf.dispose([ya.y, ya.logQ, ya.z!]);
  a.dispose();
  assert.equal(meta.outputScales, undefined, 'a scalar outputScale records no per-dimension scales');
  assert.equal(meta.circular, undefined, 'no circular coordinates, no circular entry');
  assert.equal(meta.scaleByKind, undefined);
  const b = createVaeModel({ ...small, outputScales: [0.05, 0.05, 0.05, 0.05] }, { dimension: D, seed: 2 });
  try {
    const yb = b.draw(5, createRng(1));
    assert.deepEqual(yb.y.arraySync(), yya);
    assert.deepEqual(yb.logQ.arraySync(), qa);
    tf.dispose([yb.y, yb.logQ, yb.z!]);
    // outputScale stays 1 (the default) here, so the metadata must carry the scales to rebuild.
    assert.deepEqual((b.metadata().options as Record<string, unknown>).outputScales, [0.05, 0.05, 0.05, 0.05]);
  } finally {
    b.dispose();
  }
});

// ---- scaleByKind through the plugin, with a fake internal-coordinates-like transform ----

const NAMES = ['bond C-N', 'angle C-N-CA', 'torsion C-N-CA-C', 'bond CA-C', 'torsion N-CA-C-N'];
const FLAGS = Uint8Array.from([0, 0, 1, 0, 1]);
const Y0 = [0.133, 1.95, 3.1, 0.152, -2.9];

function fakeRun(transformExtras: Record<string, unknown>): PluginContext {
  const forceField: ForceField = {
    name: 'toy',
    dimension: 6,
    initialPositions: Float64Array.from([0, 0, 0, 1, 1, 1]),
    evaluate: (_p, n) => ({ energies: new Float64Array(n), forces: new Float64Array(6 * n) }),
  };
  const transform = {
    name: 'fake-internal',
    inputDimension: 5,
    outputDimension: 6,
    forward: () => {
      throw new Error('not used');
    },
    forward64: () => {
      throw new Error('not used');
    },
    inverse64: (_x: Float64Array, n: number) => ({ y: Float64Array.from(Y0), logDetJ: new Float64Array(n) }),
    ...transformExtras,
  } as CoordinateTransform;
  return { configDir: '.', seed: 7, log: () => {}, forceField, transform, modelDimension: 5 };
}

async function viaPlugin(options: Record<string, unknown>, context: PluginContext): Promise<VaeModel> {
  const validate = new Ajv({ useDefaults: true, strict: false }).compile(vaePlugin.optionsSchema);
  const filled = { ...options };
  assert.ok(validate(filled), JSON.stringify(validate.errors));
  return (await vaePlugin.create(filled, context)) as VaeModel;
}

test("scaleByKind: the plugin reads the kinds off the transform's names; metadata rebuilds the model without the transform", async () => {
  const logs: string[] = [];
  const context = { ...fakeRun({ names: NAMES, circular: FLAGS }), log: (m: string) => logs.push(m) };
  const kinds = { bond: 0.004, angle: 0.04, torsion: 0.3 };
  const opts = {
    latentDim: 2,
    decoderHidden: [8],
    encoderHidden: [8],
    encoderActivations: ['selu'],
    scaleByKind: kinds,
  };
  const model = await viaPlugin(opts, context);
  let meta;
  let y1: number[][];
  let q1: number[];
  let e1: number[][];
  try {
    assert.deepEqual(Array.from(model.outputScales), [0.004, 0.04, 0.3, 0.004, 0.3]);
    assert.deepEqual(model.circular, [2, 4], "circular 'auto' takes the transform's flags");
    assert.ok(
      logs.some((l) => /output scales by kind/.test(l)),
      logs.join('\n'),
    );
    assert.ok(
      logs.some((l) => /2 circular coordinates/.test(l)),
      logs.join('\n'),
    );
    meta = model.metadata();
    const o = meta.options as Record<string, unknown>;
    assert.deepEqual(o.outputScales, [0.004, 0.04, 0.3, 0.004, 0.3]);
    assert.deepEqual(o.circular, [2, 4]);
    assert.equal(o.scaleByKind, undefined, 'metadata holds the resolved scales, not the kinds');
    assert.deepEqual(o.outputMean, Y0);
    const d = model.draw(6, createRng(12));
    y1 = d.y.arraySync();
    q1 = d.logQ.arraySync();
    e1 = model.encode(d.y).arraySync();
    tf.dispose([d.y, d.logQ, d.z!]);
  } finally {
    model.dispose();
  }
  // The stored options pass the schema and rebuild the same model with no transform at all.
  const rebuilt = await viaPlugin(JSON.parse(JSON.stringify(meta.options)), {
    ...fakeRun({}),
    transform: undefined,
    modelDimension: 5,
  });
  try {
    assert.deepEqual(Array.from(rebuilt.outputScales), [0.004, 0.04, 0.3, 0.004, 0.3]);
    assert.deepEqual(rebuilt.circular, [2, 4]);
    assert.deepEqual(Array.from(rebuilt.outputMean!), Y0);
    const d = rebuilt.draw(6, createRng(12));
    assert.deepEqual(d.y.arraySync(), y1);
    assert.deepEqual(d.logQ.arraySync(), q1);
    assert.deepEqual(rebuilt.encode(d.y).arraySync(), e1);
    tf.dispose([d.y, d.logQ, d.z!]);
  } finally {
    rebuilt.dispose();
  }
  // scaleByKind programmatically, with names in the context.
  const direct = createVaeModel(
    { latentDim: 1, decoderHidden: [4], encoderHidden: [4], encoderActivations: ['selu'], scaleByKind: kinds },
    { dimension: 5, seed: 1, coordinateNames: NAMES },
  );
  assert.deepEqual(Array.from(direct.outputScales), [0.004, 0.04, 0.3, 0.004, 0.3]);
  direct.dispose();
  assert.deepEqual(Array.from(scalesByKind(kinds, NAMES, 5)), [0.004, 0.04, 0.3, 0.004, 0.3]);
  // `backbone` gives φ (C-N-CA-C) and ψ (N-CA-C-N) their own scale; other torsions keep `torsion`.
  const names6 = [...NAMES, 'torsion N-CA-CB-HB1'];
  assert.deepEqual(Array.from(scalesByKind({ ...kinds, backbone: 1 }, names6, 6)), [0.004, 0.04, 1, 0.004, 1, 0.3]);
  assert.throws(
    () => scalesByKind({ ...kinds, backbone: 1 }, ['bond A-B', 'torsion A-B-C-D'], 2),
    /scaleByKind.backbone: no φ \(C-N-CA-C\) or ψ/,
  );
});

test('scaleByKind without a naming transform, and bad scales, are refused with a message naming the option', async () => {
  const opts = {
    latentDim: 1,
    decoderHidden: [4],
    encoderHidden: [4],
    encoderActivations: ['selu'],
    scaleByKind: { bond: 0.004, angle: 0.04, torsion: 0.3 },
  };
  await assert.rejects(
    viaPlugin(opts, fakeRun({})),
    /option scaleByKind needs a transform that names its 5 coordinates.*"fake-internal"/,
  );
  await assert.rejects(
    viaPlugin({ ...opts, outputMean: Y0 }, { ...fakeRun({}), transform: undefined, modelDimension: 5 }),
    /option scaleByKind needs a transform.*absent/,
  );
  await assert.rejects(viaPlugin(opts, fakeRun({ names: NAMES.slice(1) })), /scaleByKind.*5 coordinates.*cover 4/);
  await assert.rejects(
    viaPlugin(opts, fakeRun({ names: [...NAMES.slice(0, 4), 'improper X'] })),
    /scaleByKind: coordinate 4 \("improper X"\) is not a bond, angle or torsion/,
  );
  const dim = { dimension: 3, seed: 0 };
  assert.throws(
    () => createVaeModel({ outputScales: [1, 2] }, dim),
    /option outputScales has 2 entries, expected the model dimension 3/,
  );
  assert.throws(() => createVaeModel({ outputScales: [1, 0, 2] }, dim), /option outputScales\[1\] must be > 0, got 0/);
  assert.throws(() => createVaeModel({ outputScales: [1, -2, 2] }, dim), /outputScales\[1\] must be > 0/);
  assert.throws(
    () => createVaeModel({ outputScales: [1, NaN, 2] }, dim),
    /outputScales\[1\] must be a finite number, got NaN/,
  );
  assert.throws(
    () => createVaeModel({ outputScales: 0.5 as never }, dim),
    /option outputScales must be a list, got 0.5/,
  );
  assert.throws(
    () => createVaeModel({ outputScales: [1, 1, 1], scaleByKind: { bond: 1, angle: 1, torsion: 1 } }, dim),
    /outputScales and scaleByKind were both given/,
  );
  assert.throws(
    () => createVaeModel({ scaleByKind: { bond: 1, angle: 0, torsion: 1 } }, dim),
    /option scaleByKind\.angle must be > 0, got 0/,
  );
  assert.throws(
    () => createVaeModel({ scaleByKind: { bond: 1, angle: 1 } as never }, dim),
    /option scaleByKind must have required property 'torsion'/,
  );
  assert.throws(
    () => createVaeModel({ scaleByKind: { bond: 1, angle: 1, torsion: 1, dihedral: 1 } as never }, dim),
    /option scaleByKind\.dihedral is not an option/,
  );
  assert.throws(
    () => createVaeModel({ scaleByKind: { bond: 1, angle: 1, torsion: 1 } }, dim),
    /scaleByKind needs a transform that names its 3 coordinates/,
  );
  assert.throws(
    () => createVaeModel({}, { ...dim, outputScales: [1, 2, -1] }),
    /outputScales\[2\] must be a positive number/,
  );
  assert.throws(
    () => createVaeModel({ circular: [3] }, dim),
    /option circular lists 3, not a model-space index in \[0, 3\)/,
  );
  assert.throws(() => createVaeModel({ circular: [1, 1] }, dim), /option circular must NOT have duplicate items/);
  assert.throws(
    () => createVaeModel({ circular: 'all' as never }, dim),
    /option circular must be 'auto' or 'none' or a list of integers, got "all"/,
  );
  assert.throws(
    () => createVaeModel({}, { ...dim, circular: [1, 0] }),
    /circular 'auto'.*flags 2 coordinates.*dimension is 3/,
  );

  const validate = new Ajv({ useDefaults: true, strict: false }).compile(optionsSchema);
  assert.ok(validate({ outputScales: [0.1, 0.2] }));
  assert.ok(validate({ scaleByKind: { bond: 0.004, angle: 0.04, torsion: 0.3 } }));
  assert.ok(validate({ scaleByKind: { bond: 0.004, angle: 0.04, torsion: 0.3, backbone: 1 } }));
  assert.throws(
    () => createVaeModel({ scaleByKind: { bond: 1, angle: 1, torsion: 1, backbone: 0 } }, dim),
    /option scaleByKind\.backbone must be > 0, got 0/,
  );
  assert.ok(validate({ circular: [0, 2] }) && validate({ circular: 'none' }));
  assert.equal(validate({ outputScales: [0.1, 0] }), false);
  assert.equal(validate({ outputScales: [] }), false);
  assert.equal(validate({ scaleByKind: { bond: 0.004, angle: 0.04 } }), false);
  assert.equal(validate({ scaleByKind: { bond: 0.004, angle: 0.04, torsion: 0.3, improper: 1 } }), false);
  assert.equal(validate({ scaleByKind: { bond: -1, angle: 0.04, torsion: 0.3 } }), false);
  assert.equal(validate({ circular: 'phi-psi' }), false);
  assert.equal(resolveOptions({}, 3).circular, 'auto');
});

test('circular coordinates: the encoder and the densities of given y see y − m wrapped into [−π, π)', () => {
  const m = [0.1, 3.1, -3.0];
  const opts = { ...small, latentDim: 2, outputMean: m, outputScales: [0.05, 0.3, 0.3] };
  const wrapped = createVaeModel({ ...opts, circular: [1, 2] }, { dimension: 3, seed: 6 });
  const raw = createVaeModel({ ...opts, circular: 'none', scope: 'raw' }, { dimension: 3, seed: 6 });
  try {
    perturbBiases(wrapped);
    perturbBiases(raw);
    const twoPi = 2 * Math.PI;
    // The same physical configurations, with the torsions on other branches (−179° vs 181°, …).
    const near0 = [
      [0.11, 3.0, -2.8],
      [0.09, 3.3, -3.2],
      [0.1, -3.1, 3.0],
    ];
    const images = near0.map(([a, b, c]) => [a!, b! - twoPi, c! + twoPi]);
    const y = tf.tensor2d(near0),
      yImg = tf.tensor2d(images);
    const z = tf.tensor2d([
      [0.2, -0.3],
      [1, 0.5],
      [-0.7, 0.1],
    ]);
    const same = (f: (m: VaeModel, t: tf.Tensor2D) => number[] | number[][], what: string, tol: number) => {
      const a = f(wrapped, y).flat(),
        b = f(wrapped, yImg).flat();
      a.forEach((v, i) => near(b[i]!, v, tol * Math.max(1, Math.abs(v)), `${what}[${i}] across branches`));
    };
    same((mm, t) => mm.encode(t).arraySync(), 'encode', 1e-4);
    same((mm, t) => mm.encodeLogVariance(t).arraySync(), 'encodeLogVariance', 1e-4);
    same((mm, t) => mm.decoderLogDensity(t, z).arraySync(), 'decoderLogDensity', 1e-4);
    same((mm, t) => mm.logProbBound(t, createRng(2)).arraySync(), 'logProbBound', 1e-4);
    // Near the reference (no wrap needed), wrapping changes nothing: same weights, same values.
    const ew = wrapped.encode(tf.tensor2d([near0[0]!])).arraySync()[0]!;
    const er = raw.encode(tf.tensor2d([near0[0]!])).arraySync()[0]!;
    ew.forEach((v, k) => near(v, er[k]!, 1e-5, `encode near the reference [${k}]`));
    // Without wrapping, the other branch is 2π/0.3 ≈ 21 standardised units away: a different input.
    const r1 = raw.encode(y).arraySync().flat(),
      r2 = raw.encode(yImg).arraySync().flat();
    assert.ok(
      r1.some((v, i) => Math.abs(v - r2[i]!) > 1e-2),
      'the unwrapped encoder should tell the branches apart',
    );
    // Gradients of the bound pass through the wrap (floor is piecewise constant).
    const d = wrapped.draw(64, createRng(3));
    assert.ok(d.logQ.dataSync().every(Number.isFinite));
    const gradOk = tf.variableGrads(
      () => tf.mean(wrapped.logProbBound(tf.tensor2d([near0[1]!, images[2]!]), createRng(5))) as tf.Scalar,
      wrapped.variables(),
    );
    for (const [name, g] of Object.entries(gradOk.grads))
      assert.ok(g.dataSync().every(Number.isFinite), `gradient of ${name}`);
    tf.dispose([d.y, d.logQ, d.z!, gradOk.value, ...Object.values(gradOk.grads), y, yImg, z]);
    // With the flags from the context ('auto' is the default).
    const auto = createVaeModel(
      { ...opts, scope: 'auto' },
      { dimension: 3, seed: 6, circular: Uint8Array.from([0, 1, 1]) },
    );
    assert.deepEqual(auto.circular, [1, 2]);
    auto.dispose();
    const noFlags = createVaeModel({ ...opts, scope: 'noflags' }, { dimension: 3, seed: 6 });
    assert.deepEqual(noFlags.circular, []);
    noFlags.dispose();
  } finally {
    wrapped.dispose();
    raw.dispose();
  }
});

test('per-dimension scales and circular coordinates leak no tensors', () => {
  const model = createVaeModel(
    { ...small, outputScales: SCALES, outputMean: MEAN, circular: [2] },
    { dimension: D, seed: 3 },
  );
  try {
    const before = tf.memory().numTensors;
    const d = model.draw(8, createRng(1));
    const b = model.logProbBound(d.y, createRng(2));
    const e = model.encode(d.y);
    const l = model.decodeLogVariance(d.z!);
    const q = model.decoderLogDensity(d.y, d.z!);
    tf.dispose([d.y, d.logQ, d.z!, b, e, l, q]);
    assert.equal(tf.memory().numTensors, before);
  } finally {
    model.dispose();
  }
  // dispose() released the scale and wrap rows too.
  const after = tf.memory().numTensors;
  const again = createVaeModel({ ...small, outputScales: SCALES, circular: [2] }, { dimension: D, seed: 3 });
  again.dispose();
  assert.equal(tf.memory().numTensors, after);
});
