import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import { createRng } from '@embedcg/core';
import {
  createVaeModel,
  optionsSchema,
  softClampCapped64,
  softClampLogVariance64,
  type VaeModel,
  type VaeOptionsInput,
} from './index.js';
import { assertGradientsMatchDifferences, setupBackend } from './setup.test.util.js';

before(setupBackend);

// Scales in model units: the cap is given in model units too, so the bound in standardised units
// is 2 log(max / s_i).
const SCALES = [0.5, 1, 0.04];
const base: VaeOptionsInput = {
  latentDim: 1,
  decoderHidden: [4],
  encoderHidden: [4],
  encoderActivations: ['tanh'],
  outputScales: SCALES,
  finalLayerScale: 1,
};

/** Decoder σ of y (model units) at latent values z (1-D). */
function decoderSigmas(model: VaeModel, z: number[]): number[][] {
  return tf.tidy(() => {
    const lv = model.decodeLogVariance(tf.tensor2d(z, [z.length, 1])).arraySync() as number[][];
    return lv.map((row) => row.map((v) => Math.exp(v / 2)));
  });
}

function setAll(model: VaeModel, name: string, value: number): void {
  const v = model.variables().find((x) => x.name === name);
  assert.ok(v, `variable ${name}`);
  v.assign(tf.fill(v.shape, value));
}

test('decoderStdMax: capped σ never exceeds the cap (shared and head variance), uncapped coordinates keep the global range', () => {
  for (const decoderVariance of ['shared', 'head'] as const) {
    const model = createVaeModel(
      {
        ...base,
        decoderVariance,
        initialLogVariance: 1,
        decoderStdMax: { coordinates: [0, 1], max: 0.3 },
        scope: `t-cap-${decoderVariance}`,
      },
      { dimension: 3, seed: 4 },
    );
    try {
      // Starts below the cap (half a log-unit under it), the uncapped coordinate at the option.
      const start = decoderSigmas(model, [0])[0]!;
      if (decoderVariance === 'shared') {
        assert.ok(Math.abs(start[0]! - 0.3 * Math.exp(-0.25)) < 1e-4, `σ0 at start ${start[0]}`);
        assert.ok(Math.abs(start[2]! - 0.04 * Math.exp(0.5)) < 1e-5, `σ2 at start ${start[2]}`);
      }
      // Push every raw log-variance far up: capped σ saturate at 0.3, the other at the global bound.
      const name = decoderVariance === 'shared' ? `t-cap-shared/decoder/logvar` : `t-cap-head/decoder/logvar/bias`;
      setAll(model, name, 200);
      for (const row of decoderSigmas(model, [-2, 0, 3])) {
        assert.ok(row[0]! <= 0.3 * (1 + 1e-5) && row[0]! > 0.299, `σ0 ${row[0]}`);
        assert.ok(row[1]! <= 0.3 * (1 + 1e-5) && row[1]! > 0.299, `σ1 ${row[1]}`);
        assert.ok(Math.abs(row[2]! - 0.04 * Math.exp(2.5)) < 1e-3, `σ2 ${row[2]} (global bound 12·s)`);
      }
      // The clamp is the same tanh as everywhere, with the capped upper end.
      setAll(model, name, -3);
      if (decoderVariance === 'shared') {
        const got = decoderSigmas(model, [0])[0]!;
        const hi0 = 2 * Math.log(0.3 / 0.5);
        assert.ok(Math.abs(got[0]! - 0.5 * Math.exp(softClampCapped64(-3, hi0) / 2)) < 1e-5, `σ0 ${got[0]}`);
        assert.ok(Math.abs(got[2]! - 0.04 * Math.exp(softClampLogVariance64(-3) / 2)) < 1e-6, `σ2 ${got[2]}`);
      }
    } finally {
      model.dispose();
    }
  }
});

test('decoderStdMax: loss gradients match central differences, and the cap is stored in the metadata', () => {
  const model = createVaeModel(
    {
      ...base,
      latentDim: 2,
      decoderVariance: 'head',
      initialLogVariance: 0.5,
      decoderStdMax: { coordinates: [1], max: 0.8 },
      scope: 't-cap-grad',
    },
    { dimension: 3, seed: 6 },
  );
  const loss = () =>
    tf.tidy(() => {
      const { y, logQ } = model.draw(16, createRng(3));
      return tf.mean(tf.add(logQ, tf.mul(tf.sum(tf.square(y), 1), 2))) as tf.Scalar;
    });
  try {
    assertGradientsMatchDifferences(model.variables(), loss, { rel: 1e-2, abs: 3e-3 });
    const meta = model.metadata().options as { decoderStdMax: { coordinates: number[]; max: number } };
    assert.deepEqual(meta.decoderStdMax, { coordinates: [1], max: 0.8 });
  } finally {
    model.dispose();
  }
});

test("decoderStdMax 'backbone' caps exactly φ and ψ, found by the transform's names", () => {
  const names = [
    'bond C-N',
    'angle C-N-CA',
    'torsion C:1-N:2-CA:2-C:2',
    'torsion N:2-CA:2-C:2-N:3',
    'torsion N:2-CA:2-CB:2-HB1:2',
  ];
  const model = createVaeModel(
    {
      ...base,
      outputScales: [0.004, 0.04, 1, 1, 0.3],
      decoderStdMax: { coordinates: 'backbone', max: 0.3 },
      scope: 't-cap-bb',
    },
    { dimension: 5, seed: 2, coordinateNames: names },
  );
  try {
    assert.deepEqual(model.decoderStdCap?.indices, [2, 3]);
  } finally {
    model.dispose();
  }
});

test('decoderStdMax: clear errors naming the option', () => {
  const ctx = { dimension: 3, seed: 1 };
  const make =
    (decoderStdMax: unknown, extra: VaeOptionsInput = {}) =>
    () =>
      createVaeModel({ ...base, ...extra, decoderStdMax: decoderStdMax as never, scope: 't-cap-e' }, ctx);
  assert.throws(
    make({ coordinates: [3], max: 0.3 }),
    /option decoderStdMax.coordinates lists 3, not a model-space index/,
  );
  assert.throws(
    make({ coordinates: [], max: 0.3 }),
    /option decoderStdMax.coordinates must NOT have fewer than 1 items/,
  );
  assert.throws(make({ coordinates: [0], max: -1 }), /option decoderStdMax.max must be > 0, got -1/);
  assert.throws(make({ coordinates: [0] }), /option decoderStdMax must have required property 'max'/);
  assert.throws(make({ coordinates: [0], max: 1, min: 0 }), /option decoderStdMax.min is not an option/);
  assert.throws(
    make({ coordinates: 'backbone', max: 0.3 }),
    /option decoderStdMax.coordinates 'backbone' needs a transform that names its 3 coordinates/,
  );
  assert.throws(make({ coordinates: [2], max: 1e-12 }), /option decoderStdMax.max 1e-12 is at most .* coordinate 2/);
  assert.ok((optionsSchema.properties as Record<string, unknown>).decoderStdMax, 'the option is in the JSON schema');
});
