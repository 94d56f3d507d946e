import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { Ajv } from 'ajv';
import { createRng } from '@embedcg/core';
import type { CoordinateTransform, ForceField, PluginContext } from '@embedcg/core';
import {
  createVaeModel,
  vaePlugin,
  gaussianLogDensity,
  optionsSchema,
  DEFAULT_OPTIONS,
  plugins,
  softClampLogVariance64,
  type VaeModel,
  type VaeOptions,
} from './index.js';
import { setupBackend } from './setup.test.util.js';

before(setupBackend);

// ---- an independent Float64 forward pass, from the weights read back with arraySync ----

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const act64: Record<string, (x: number) => number> = {
  tanh: Math.tanh,
  selu: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
  logsigmoid: (x) => (x > 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x))),
  softplus: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
  relu: (x) => Math.max(0, x),
  linear: (x) => x,
};

function weights(model: VaeModel): Map<string, number[] | number[][]> {
  return new Map(model.variables().map((v) => [v.name, v.arraySync() as number[] | number[][]]));
}

function dense64(w: Map<string, unknown>, name: string, x: number[]): number[] {
  const K = w.get(`${name}/kernel`) as number[][];
  const b = w.get(`${name}/bias`) as number[];
  assert.ok(K && b, `missing weights of ${name}`);
  return b.map((bj, j) => x.reduce((s, xi, i) => s + xi * K[i]![j]!, bj));
}

function mlp64(w: Map<string, unknown>, prefix: string, acts: string[], x: number[]): number[] {
  let h = x;
  acts.forEach((a, i) => {
    h = dense64(w, `${prefix}/dense${i}`, h).map(act64[a]!);
  });
  return h;
}

/** log p(z) + log q(y|z) − log r(z|y) and y, recomputed in Float64 for one sample. */
function reference(model: VaeModel, w: Map<string, unknown>, z: number[], eps: number[]) {
  const o = model.options;
  const s = model.outputScales;
  const m = model.outputMean ?? new Float64Array(model.dimension);
  const h = mlp64(
    w,
    'vae/decoder',
    o.decoderHidden.map(() => o.decoderActivation),
    z,
  );
  const mu = dense64(w, 'vae/decoder/mean', h);
  const lv = (
    o.decoderVariance === 'shared' ? (w.get('vae/decoder/logvar') as number[]) : dense64(w, 'vae/decoder/logvar', h)
  ).map(softClampLogVariance64);
  const u = mu.map((mk, k) => mk + Math.exp(0.5 * lv[k]!) * eps[k]!);
  const y = u.map((uk, k) => m[k]! + s[k]! * uk);
  // Density of y itself: mean m + s μ, log-variance lv + 2 log s (no shortcut through ε).
  const logQyz = gaussianLogDensity(
    y,
    mu.map((mk, k) => m[k]! + s[k]! * mk),
    lv.map((l, k) => l + 2 * Math.log(s[k]!)),
  );
  const he = mlp64(
    w,
    'vae/encoder',
    o.encoderActivations,
    y.map((yk, k) => (yk - m[k]!) / s[k]!),
  );
  const encMean = dense64(w, 'vae/encoder/mean', he);
  const encLv = dense64(w, 'vae/encoder/logvar', he).map(softClampLogVariance64);
  const logQ =
    gaussianLogDensity(
      z,
      z.map(() => 0),
      0,
    ) +
    logQyz -
    gaussianLogDensity(z, encMean, encLv);
  return { y, logQ, encMean, mu };
}

const tiny: Array<[string, Partial<VaeOptions>]> = [
  [
    'shared variance, identity scaling',
    { latentDim: 2, decoderHidden: [5, 4], encoderHidden: [6, 3], encoderActivations: ['selu', 'logsigmoid'] },
  ],
  [
    'head variance, outputMean and outputScale',
    {
      latentDim: 1,
      decoderHidden: [4],
      decoderActivation: 'softplus',
      decoderVariance: 'head',
      initialLogVariance: -2,
      encoderHidden: [5],
      encoderActivations: ['logsigmoid'],
      outputMean: [0.5, -1, 2, 0.25, 1.5],
      outputScale: 0.3,
      finalLayerScale: 1,
    },
  ],
  [
    'head variance, per-dimension outputScales',
    {
      latentDim: 2,
      decoderHidden: [4, 3],
      decoderVariance: 'head',
      initialLogVariance: -1,
      encoderHidden: [5],
      encoderActivations: ['selu'],
      outputMean: [0.15, 1.9, -2.5, 0.4, 3],
      outputScales: [0.004, 0.04, 0.3, 1.5, 0.3],
      finalLayerScale: 1,
    },
  ],
];

for (const [label, opts] of tiny) {
  test(`logQ and y match an independent Float64 computation (${label})`, () => {
    const D = 5;
    const model = createVaeModel(opts, { dimension: D, seed: 11 });
    try {
      // Perturb the biases so that no term is trivially zero.
      const prng = createRng(99);
      for (const v of model.variables())
        if (v.name.endsWith('/bias'))
          v.assign(tf.add(v, tf.randomUniform(v.shape, -0.3, 0.3, 'float32', prng.int(1e9))));
      const n = 7;
      const draw = model.draw(n, createRng(5));
      const y = draw.y.arraySync();
      const logQ = draw.logQ.arraySync();
      const zOut = draw.z!.arraySync();
      assert.deepEqual(draw.y.shape, [n, D]);
      assert.deepEqual(draw.logQ.shape, [n]);
      assert.deepEqual(draw.z!.shape, [n, model.latentDimension]);
      // The documented draw order: n·d normals for z, then n·D for ε.
      const rng = createRng(5);
      const d = model.latentDimension;
      const zs = rng.fillNormal(new Float32Array(n * d));
      const es = rng.fillNormal(new Float32Array(n * D));
      const w = weights(model);
      const encoded = model.encode(draw.y).arraySync();
      const decoded = model.decode(draw.z!).arraySync();
      for (let i = 0; i < n; i++) {
        const z = Array.from(zs.subarray(i * d, (i + 1) * d));
        const ref = reference(model, w, z, Array.from(es.subarray(i * D, (i + 1) * D)));
        assert.deepEqual(zOut[i], z);
        for (let k = 0; k < D; k++)
          assert.ok(Math.abs(y[i]![k]! - ref.y[k]!) < 1e-5, `y[${i}][${k}] = ${y[i]![k]} vs ${ref.y[k]}`);
        assert.ok(
          Math.abs(logQ[i]! - ref.logQ) < 2e-4 * Math.max(1, Math.abs(ref.logQ)),
          `logQ[${i}] = ${logQ[i]} vs Float64 ${ref.logQ}`,
        );
        for (let k = 0; k < d; k++) assert.ok(Math.abs(encoded[i]![k]! - ref.encMean[k]!) < 1e-4, `encode[${i}][${k}]`);
        const m = model.outputMean ?? new Float64Array(D);
        for (let k = 0; k < D; k++) {
          const want = m[k]! + model.outputScales[k]! * ref.mu[k]!;
          assert.ok(Math.abs(decoded[i]![k]! - want) < 1e-5, `decode[${i}][${k}] = ${decoded[i]![k]} vs ${want}`);
        }
      }
    } finally {
      model.dispose();
    }
  });
}

test('gaussianLogDensity matches the closed form of a standard normal', () => {
  assert.ok(Math.abs(gaussianLogDensity([0, 0, 0], [0, 0, 0], 0) + 1.5 * Math.log(2 * Math.PI)) < 1e-14);
  // Scaling: N(2x; 0, 4) = N(x; 0, 1) / 2 in one dimension.
  const x = 0.7;
  assert.ok(
    Math.abs(gaussianLogDensity([2 * x], [0], Math.log(4)) - (gaussianLogDensity([x], [0], 0) - Math.log(2))) < 1e-14,
  );
});

test('same seed gives identical weights and samples; another seed differs', () => {
  const opts = { latentDim: 2, decoderHidden: [8], encoderHidden: [8], encoderActivations: ['selu' as const] };
  const a = createVaeModel(opts, { dimension: 6, seed: 3 });
  const wa = a.variables().map((v) => Array.from(v.dataSync()));
  const ya = a.draw(16, createRng(42)).y.arraySync();
  const yaOtherRng = a.draw(16, createRng(43)).y.arraySync();
  a.dispose();
  const b = createVaeModel(opts, { dimension: 6, seed: 3 });
  const wb = b.variables().map((v) => Array.from(v.dataSync()));
  const yb = b.draw(16, createRng(42)).y.arraySync();
  b.dispose();
  const c = createVaeModel(opts, { dimension: 6, seed: 4 });
  const wc = c.variables().map((v) => Array.from(v.dataSync()));
  const yc = c.draw(16, createRng(42)).y.arraySync();
  c.dispose();
  assert.deepEqual(wb, wa);
  assert.deepEqual(yb, ya);
  assert.notDeepEqual(wc, wa);
  assert.notDeepEqual(yc, ya);
  assert.notDeepEqual(yaOtherRng, ya);
});

test('variables have unique, descriptive names and the documented shapes', () => {
  for (const decoderVariance of ['shared', 'head'] as const) {
    const model = createVaeModel({ latentDim: 2, decoderVariance }, { dimension: 60, seed: 0 });
    try {
      const vars = model.variables();
      const names = vars.map((v) => v.name);
      assert.equal(new Set(names).size, names.length, 'names must be unique');
      for (const name of names)
        assert.match(name, /^vae\/(decoder|encoder)\/(dense\d+|mean|logvar)(\/(kernel|bias))?$/);
      const shape = (name: string) => vars.find((v) => v.name === name)?.shape;
      assert.deepEqual(shape('vae/decoder/dense0/kernel'), [2, 100]);
      assert.deepEqual(shape('vae/decoder/dense2/bias'), [100]);
      assert.deepEqual(shape('vae/decoder/mean/kernel'), [100, 60]);
      assert.deepEqual(shape('vae/encoder/dense0/kernel'), [60, 150]);
      assert.deepEqual(shape('vae/encoder/mean/kernel'), [150, 2]);
      assert.deepEqual(shape('vae/encoder/logvar/bias'), [2]);
      if (decoderVariance === 'shared') assert.deepEqual(shape('vae/decoder/logvar'), [60]);
      else assert.deepEqual(shape('vae/decoder/logvar/kernel'), [100, 60]);
      assert.ok(vars.every((v) => v.trainable && v.dtype === 'float32'));
      // The initial decoder log-variance is the requested one after the soft clamp.
      const lv = model.decodeLogVariance(tf.zeros([3, 2])).arraySync();
      for (const row of lv) for (const v of row) assert.ok(Math.abs(v - DEFAULT_OPTIONS.initialLogVariance) < 1e-5);
      // Same names again after dispose: a saved manifest loads into a fresh model.
      model.dispose();
      const again = createVaeModel({ latentDim: 2, decoderVariance }, { dimension: 60, seed: 0 });
      assert.deepEqual(
        again.variables().map((v) => v.name),
        names,
      );
      assert.throws(() => createVaeModel({ latentDim: 2 }, { dimension: 60, seed: 0 }), /already exists.*scope/);
      const other = createVaeModel({ latentDim: 2, scope: 'vae2' }, { dimension: 60, seed: 0 });
      assert.ok(other.variables().every((v) => v.name.startsWith('vae2/')));
      other.dispose();
      again.dispose();
    } finally {
      model.dispose();
    }
  }
});

test('draw at paper sizes: finite, near the reference, no leaked tensors', () => {
  const D = 60;
  const mean = Array.from({ length: D }, (_, k) => Math.sin(k));
  const model = createVaeModel({ latentDim: 2, outputMean: mean }, { dimension: D, seed: 1 });
  try {
    const before = tf.memory().numTensors;
    const { y, logQ, z } = model.draw(256, createRng(1));
    const grads = tf.variableGrads(() => tf.mean(model.draw(64, createRng(2)).logQ) as tf.Scalar, model.variables());
    assert.equal(Object.keys(grads.grads).length, model.variables().length);
    for (const [name, g] of Object.entries(grads.grads))
      assert.ok(g.dataSync().every(Number.isFinite), `gradient of ${name} is not finite`);
    tf.dispose([grads.value, ...Object.values(grads.grads)]);
    assert.ok(logQ.dataSync().every(Number.isFinite));
    // Initial samples: mean m ± exp(−0.25) noise plus a small last layer.
    const yv = y.arraySync();
    let maxDev = 0;
    for (const row of yv)
      row.forEach((v: number, k: number) => {
        maxDev = Math.max(maxDev, Math.abs(v - mean[k]!));
      });
    assert.ok(maxDev < 6, `samples strayed ${maxDev} from the reference`);
    tf.dispose([y, logQ, z!]);
    assert.equal(tf.memory().numTensors, before, 'draw must not leak tensors');
  } finally {
    model.dispose();
  }
});

test('bad options are refused with a message naming the option', () => {
  assert.throws(
    () => createVaeModel({ encoderHidden: [4, 4], encoderActivations: ['selu'] }, { dimension: 3, seed: 0 }),
    /encoderActivations/,
  );
  assert.throws(() => createVaeModel({ outputMean: [1, 2] }, { dimension: 3, seed: 0 }), /outputMean.*3/);
  assert.throws(() => createVaeModel({ latentDim: 0 }, { dimension: 3, seed: 0 }), /latentDim/);
  assert.throws(() => createVaeModel({ initialLogVariance: 7 }, { dimension: 3, seed: 0 }), /initialLogVariance/);
  const m = createVaeModel(
    { decoderHidden: [3], encoderHidden: [3], encoderActivations: ['selu'] },
    { dimension: 3, seed: 0 },
  );
  assert.throws(() => m.encode(tf.zeros([2, 4]) as tf.Tensor2D), /encode expects an n × 3/);
  m.dispose();
  assert.throws(() => m.draw(2, createRng(0)), /after dispose/);
});

test('options schema: ajv fills the documented defaults and rejects unknown options', () => {
  const ajv = new Ajv({ useDefaults: true, strict: false });
  const validate = ajv.compile(optionsSchema);
  const filled: Record<string, unknown> = {};
  assert.ok(validate(filled), JSON.stringify(validate.errors));
  const { outputMean: _ignored, ...defaults } = { ...DEFAULT_OPTIONS };
  assert.deepEqual(filled, defaults);
  assert.equal(validate({ latentDims: 2 }), false);
  assert.equal(validate({ decoderActivation: 'gelu' }), false);
  assert.equal(validate({ decoderVariance: 'full' }), false);
});

test("plugin: centres the decoder on the force field's initial positions through the transform", async () => {
  assert.ok(plugins.includes(vaePlugin));
  const plugin = vaePlugin;
  assert.equal(plugin.kind, 'model');
  const x0 = Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  const forceField: ForceField = {
    name: 'toy',
    dimension: 6,
    initialPositions: x0,
    evaluate: (_p, n) => ({ energies: new Float64Array(n), forces: new Float64Array(6 * n) }),
  };
  // A toy transform that drops the first coordinate and doubles the rest.
  const transform: CoordinateTransform = {
    name: 'toy-transform',
    inputDimension: 5,
    outputDimension: 6,
    forward: () => {
      throw new Error('not used');
    },
    forward64: () => {
      throw new Error('not used');
    },
    inverse64: (x, n) => ({ y: Float64Array.from(x.subarray(1).map((v) => 2 * v)), logDetJ: new Float64Array(n) }),
  };
  const logs: string[] = [];
  const context: PluginContext = {
    configDir: '.',
    seed: 7,
    log: (m) => logs.push(m),
    forceField,
    transform,
    modelDimension: 5,
  };
  const options = {};
  const validate = new Ajv({ useDefaults: true, strict: false }).compile(plugin.optionsSchema);
  assert.ok(validate(options));
  const model = await plugin.create({ ...options, latentDim: 2 }, context);
  try {
    assert.equal(model.dimension, 5);
    assert.equal(model.latentDimension, 2);
    assert.equal(model.exactDensity, false);
    // With tanh hidden layers and zero biases, μ_θ(0) = bias of the last layer = 0, so decode(0) = m.
    const y0 = model.decode!(tf.zeros([1, 2])).arraySync()[0]!;
    const want = [0.4, 0.6, 0.8, 1.0, 1.2];
    y0.forEach((v: number, k: number) =>
      assert.ok(Math.abs(v - want[k]!) < 1e-6, `decode(0)[${k}] = ${v}, want ${want[k]}`),
    );
    const meta = model.metadata();
    assert.equal(meta.plugin, 'vae');
    assert.equal(meta.dimension, 5);
    assert.equal(meta.latentDimension, 2);
    assert.deepEqual(
      (meta.options as { outputMean: number[] }).outputMean.map((v) => Math.round(v * 1e12) / 1e12),
      want,
    );
    assert.ok(logs.some((l) => /initial positions/.test(l)));
  } finally {
    model.dispose();
  }
  // Without a transform, the positions themselves; a length mismatch is an error that says so.
  const plain = await plugin.create({ latentDim: 1 }, { ...context, transform: undefined, modelDimension: 6 });
  assert.deepEqual(Array.from((plain as VaeModel).outputMean!), Array.from(x0));
  plain.dispose();
  await assert.rejects(
    async () => plugin.create({}, { ...context, transform: undefined, modelDimension: 5 }),
    /6 coordinates.*dimension is 5/,
  );
});
