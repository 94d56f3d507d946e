import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '@embedcg/core';
import { createVaeModel, type VaeOptionsInput } from './index.js';
import { assertGradientsMatchDifferences, setupBackend } from './setup.test.util.js';

before(setupBackend);

// Coordinate 1 is an angle whose reference sits at π, so 'wrapped' cuts the circle at 0.
const base: VaeOptionsInput = {
  latentDim: 1,
  decoderHidden: [4],
  encoderHidden: [6],
  encoderActivations: ['tanh'],
  outputScales: [0.1, 1, 0.5],
  circular: [1, 2],
  finalLayerScale: 1,
};
const ctx = { dimension: 3, seed: 8, outputMean: [1, Math.PI, 0.3] };

function cvs(model: ReturnType<typeof createVaeModel>, rows: number[][]): number[] {
  return tf.tidy(() => Array.from(model.encode(tf.tensor2d(rows)).dataSync()));
}

test("encoderAngles 'trig': the CVs are continuous across m ± π, where 'wrapped' jumps, and 2π-periodic", () => {
  const wrapped = createVaeModel({ ...base, scope: 't-ang-w' }, ctx);
  const trig = createVaeModel({ ...base, encoderAngles: 'trig', scope: 't-ang-t' }, ctx);
  try {
    const across = [
      [1.02, -1e-3, 0.4],
      [1.02, 1e-3, 0.4],
    ];
    const [w0, w1] = cvs(wrapped, across);
    const [t0, t1] = cvs(trig, across);
    assert.ok(Math.abs(w0! - w1!) > 0.1, `wrapped: ${w0} vs ${w1} should jump across the cut`);
    assert.ok(Math.abs(t0! - t1!) < 1e-2, `trig: ${t0} vs ${t1} should be continuous`);
    const [p0, p1, p2] = cvs(trig, [
      [1.02, 2.5, 0.4],
      [1.02, 2.5 + 2 * Math.PI, 0.4],
      [1.02, 2.5, 0.4 - 2 * Math.PI],
    ]);
    assert.ok(Math.abs(p0! - p1!) < 1e-4 && Math.abs(p0! - p2!) < 1e-4, `2π shifts: ${p0}, ${p1}, ${p2}`);
    // The non-circular coordinate still matters.
    const [q0, q1] = cvs(trig, [
      [1.02, 2.5, 0.4],
      [1.1, 2.5, 0.4],
    ]);
    assert.notEqual(q0, q1);
    const meta = trig.metadata().options as { encoderAngles?: string };
    assert.equal(meta.encoderAngles, 'trig');
    assert.equal(
      (wrapped.metadata().options as { encoderAngles?: string }).encoderAngles,
      undefined,
      'the default leaves the metadata as before',
    );
  } finally {
    wrapped.dispose();
    trig.dispose();
  }
});

test("encoderAngles 'trig': hidden rotors stay hidden, and loss gradients match central differences", () => {
  const model = createVaeModel(
    { ...base, latentDim: 2, encoderAngles: 'trig', rotorSymmetry: [2], scope: 't-ang-g' },
    ctx,
  );
  try {
    const [a1, a2, b1, b2] = cvs(model, [
      [1.02, 2.5, 0.4],
      [1.02, 2.5, 2.0],
    ]);
    assert.deepEqual([a1, a2], [b1, b2], 'a hidden rotor does not move the CVs');
    const loss = () =>
      tf.tidy(() => {
        const { y, logQ } = model.draw(16, createRng(5));
        const [x, phi] = tf.split(y, [1, 2], 1);
        const u = tf.add(tf.mul(tf.square(tf.sub(x!, 1)), 50), tf.sum(tf.cos(phi!), 1, true));
        return tf.mean(tf.add(logQ, tf.reshape(u, [16]))) as tf.Scalar;
      });
    assertGradientsMatchDifferences(model.variables(), loss, { rel: 1e-2, abs: 3e-3 });
  } finally {
    model.dispose();
  }
});

test('encoderAngles: a bad value is refused naming the option', () => {
  assert.throws(
    () => createVaeModel({ ...base, encoderAngles: 'degrees' as never, scope: 't-ang-e' }, ctx),
    /option encoderAngles must be 'wrapped' or 'trig'/,
  );
});
