import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '@embedcg/core';
import { createHarmonic, harmonicLogZ } from './harmonic.js';
import { simpson } from './numerics.js';
import {
  assertBadInputHandled,
  assertBatchInvariant,
  assertForcesMatchFiniteDifferences,
} from './testing.test.util.js';

test('harmonic: log Z equals the closed form and a numerical quadrature', () => {
  const k = [0.5, 2, 30];
  const ff = createHarmonic({ dimension: 3, k, center: [1, -2, 0.3] });
  for (const beta of [0.1, 1, 7]) {
    const closed = k.reduce((s, ki) => s + 0.5 * Math.log((2 * Math.PI) / (beta * ki)), 0);
    assert.ok(Math.abs(ff.reference.logZ(beta) - closed) < 1e-12);
    // Product of 1-D Simpson integrals over ±12 standard deviations.
    let numeric = 0;
    for (const ki of k) {
      const L = 12 / Math.sqrt(beta * ki);
      const m = 4000;
      const f = Float64Array.from({ length: m + 1 }, (_, i) =>
        Math.exp(-0.5 * beta * ki * (-L + (2 * L * i) / m) ** 2),
      );
      numeric += Math.log(simpson(f, (2 * L) / m));
    }
    assert.ok(
      Math.abs(ff.reference.logZ(beta) - numeric) < 1e-10,
      `β = ${beta}: ${ff.reference.logZ(beta)} vs ${numeric}`,
    );
  }
  assert.throws(() => harmonicLogZ([1], 0), /beta/);
});

test('harmonic: energies, forces (finite differences), batch invariance, bad input', async () => {
  const ff = createHarmonic({ dimension: 4, k: [1, 2, 3, 4], center: 0.5 });
  const r = ff.evaluate(Float64Array.from([1.5, 0.5, 0.5, -0.5]), 1) as {
    energies: Float64Array;
    forces: Float64Array;
  };
  assert.equal(r.energies[0], 0.5 * 1 + 0.5 * 4 * 1);
  assert.deepEqual(Array.from(r.forces), [-1, -0, -0, 4]);
  const rng = createRng(5);
  const pts = Float64Array.from({ length: 4 * 10 }, () => 4 * rng.normal());
  await assertForcesMatchFiniteDifferences(ff, pts);
  await assertBatchInvariant(ff, pts);
  await assertBadInputHandled(ff);
});

test('harmonic: exact sampler has mean c and variance 1/(βk)', () => {
  const k = [0.25, 4];
  const c = [3, -1];
  const ff = createHarmonic({ dimension: 2, k, center: c });
  const rng = createRng(9);
  const beta = 2;
  const n = 50000;
  const x = ff.reference.sample!(beta, n, () => rng.uniform());
  for (let i = 0; i < 2; i++) {
    let m = 0;
    let v = 0;
    for (let s = 0; s < n; s++) m += x[2 * s + i]!;
    m /= n;
    for (let s = 0; s < n; s++) v += (x[2 * s + i]! - m) ** 2;
    v /= n - 1;
    const sd = 1 / Math.sqrt(beta * k[i]!);
    assert.ok(Math.abs(m - c[i]!) < (4.5 * sd) / Math.sqrt(n));
    assert.ok(Math.abs(v / sd ** 2 - 1) < 4.5 * Math.sqrt(2 / n));
  }
});

test('harmonic: option errors name the option', () => {
  assert.throws(() => createHarmonic({ dimension: 0 }), /"dimension"/);
  assert.throws(() => createHarmonic({ dimension: 3, k: [1, 2] }), /"k".*3 numbers/);
  assert.throws(() => createHarmonic({ dimension: 2, k: [1, -2] }), /"k"\[1\] must be a positive/);
  assert.throws(() => createHarmonic({ dimension: 2, center: [0, NaN] }), /"center"\[1\]/);
  assert.equal(createHarmonic({ dimension: 7 }).dimension, 7);
});
