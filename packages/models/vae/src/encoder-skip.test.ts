import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createVaeModel, type VaeOptionsInput } from './index.js';
import { assertGradientsMatchDifferences, quadraticDrawLoss, setupBackend } from './setup.test.util.js';

before(setupBackend);

// Coordinate 3 is an angle with its reference at 3 rad, so its wrapped difference jumps at 3 − π.
const base: VaeOptionsInput = {
  latentDim: 2,
  decoderHidden: [4],
  encoderHidden: [5],
  encoderActivations: ['tanh'],
  outputScales: [0.1, 1, 0.5, 1],
  circular: [3],
  latentSkip: { coordinates: [3, 1, 2], slope: 1.5 },
};
const ctx = { dimension: 4, seed: 3, outputMean: [1, -3, 0.2, 3] };
const wrap = (a: number) => a - 2 * Math.PI * Math.floor((a + Math.PI) / (2 * Math.PI));

test('encoderSkip: the encoder mean gains exactly the inverse of the decoder path, the other weights unchanged', () => {
  const plain = createVaeModel({ ...base, scope: 't-eskip-p' }, ctx);
  const skip = createVaeModel({ ...base, encoderSkip: true, scope: 't-eskip-s' }, ctx);
  try {
    const strip = (m: typeof plain, scope: string) => m.variables().map((v) => v.name.replace(`${scope}/`, ''));
    assert.deepEqual(
      strip(skip, 't-eskip-s').filter((n) => n !== 'encoder/skip'),
      strip(plain, 't-eskip-p'),
    );
    for (const v of plain.variables()) {
      const w = skip.variables().find((x) => x.name === v.name.replace('t-eskip-p/', 't-eskip-s/'))!;
      assert.deepEqual(Array.from(w.dataSync()), Array.from(v.dataSync()), v.name);
    }
    // Sorted indices [1, 2, 3]: latent 0 ← coordinates 1 and 3 (n = 2), latent 1 ← coordinate 2.
    const rows = [
      [1.3, -2.2, 0.9, 3.4],
      [0.7, -3.5, -0.4, 3 - Math.PI + 0.2],
      [1, -3, 0.2, 3 + Math.PI + 0.2],
    ];
    const diff = tf.tidy(
      () => tf.sub(skip.encode(tf.tensor2d(rows)), plain.encode(tf.tensor2d(rows))).arraySync() as number[][],
    );
    rows.forEach((y, i) => {
      const expect0 = (y[1]! + 3 + wrap(y[3]! - 3)) / (1.5 * 2);
      const expect1 = (y[2]! - 0.2) / 1.5;
      assert.ok(Math.abs(diff[i]![0]! - expect0) < 1e-5, `row ${i} z1: ${diff[i]![0]} vs ${expect0}`);
      assert.ok(Math.abs(diff[i]![1]! - expect1) < 1e-5, `row ${i} z2: ${diff[i]![1]} vs ${expect1}`);
    });
    // The two linear paths compose to the identity on z: decoder (d × D) then encoder (D × d).
    const byName = (n: string) => skip.variables().find((v) => v.name === `t-eskip-s/${n}`)!;
    const product = tf.tidy(() => tf.matMul(byName('decoder/skip'), byName('encoder/skip')).arraySync() as number[][]);
    product.forEach((row, a) =>
      row.forEach((v, b) => assert.ok(Math.abs(v - (a === b ? 1 : 0)) < 1e-6, `(${a},${b}) = ${v}`)),
    );
    assert.equal((skip.metadata().options as { encoderSkip?: boolean }).encoderSkip, true);
    assert.equal(
      (plain.metadata().options as { encoderSkip?: boolean }).encoderSkip,
      undefined,
      'the default leaves the metadata as before',
    );
  } finally {
    plain.dispose();
    skip.dispose();
  }
});

test('encoderSkip: loss gradients (through draw, which evaluates the encoder) match central differences', () => {
  const model = createVaeModel({ ...base, encoderSkip: true, finalLayerScale: 1, scope: 't-eskip-g' }, ctx);
  try {
    const loss = quadraticDrawLoss(model, [1, -2, 0, 2.5], [40, 2, 3, 1]);
    assertGradientsMatchDifferences(model.variables(), loss, { rel: 1e-2, abs: 3e-3 });
  } finally {
    model.dispose();
  }
});

test('encoderSkip: clear errors naming the option', () => {
  const make = (extra: VaeOptionsInput) => () => createVaeModel({ ...base, scope: 't-eskip-e', ...extra }, ctx);
  assert.throws(make({ encoderSkip: true, latentSkip: undefined }), /option encoderSkip needs latentSkip/);
  assert.throws(
    make({ encoderSkip: true, latentSkip: { coordinates: [1], slope: 0 } }),
    /option encoderSkip needs a non-zero latentSkip.slope/,
  );
  assert.throws(make({ encoderSkip: 'yes' as never }), /option encoderSkip must be true or false, got "yes"/);
  assert.throws(
    make({ encoderSkip: true, rotorSymmetry: [3] }),
    /encoderSkip would show the encoder the hidden rotor 3/,
  );
});
