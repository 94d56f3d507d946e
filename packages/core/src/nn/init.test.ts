import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Rng } from '../util/random.js';
import { createRng } from '../util/random.js';
import { glorotUniformScaledAfter, glorotUniformScaledBound } from './init.js';

/** An Rng whose uniforms are the given values, in turn. */
function fixedUniforms(values: number[]): Rng {
  let i = 0;
  return { uniform: () => values[i++]! } as unknown as Rng;
}

test('glorotUniformScaledBound: (2u − 1) · scale · √(6 / (fanIn + fanOut)), row-major', () => {
  const w = glorotUniformScaledBound(fixedUniforms([0.75, 0.25, 1, 0.5]), 1, 2, 0.5);
  const a = 0.5 * Math.sqrt(6 / 3);
  assert.deepEqual(Array.from(w), [0.5 * a, -0.5 * a].map(Math.fround));
  assert.equal(w.length, 2);
});

test('glorotUniformScaledAfter: the scale-1 weights rounded to float32, then times the scale', () => {
  const u = 3 / 2000; // a draw where the two orders round differently (below)
  const a = Math.sqrt(6 / 8);
  const after = glorotUniformScaledAfter(fixedUniforms([u]), 1, 1, 0.1)[0]!;
  const bound = glorotUniformScaledBound(fixedUniforms([u]), 1, 1, 0.1)[0]!;
  assert.equal(after, Math.fround(Math.fround((2 * u - 1) * Math.sqrt(6 / 2)) * 0.1));
  assert.equal(bound, Math.fround((2 * u - 1) * 0.1 * Math.sqrt(6 / 2)));
  // With fanIn + fanOut = 8 the two orders differ in the last bit: they are different initialisers.
  const after8 = glorotUniformScaledAfter(fixedUniforms([u]), 3, 5, 0.1)[0]!;
  const bound8 = glorotUniformScaledBound(fixedUniforms([u]), 3, 5, 0.1)[0]!;
  assert.equal(after8, Math.fround(Math.fround((2 * u - 1) * a) * 0.1));
  assert.equal(bound8, Math.fround((2 * u - 1) * (0.1 * a)));
  assert.notEqual(after8, bound8);
});

test('both initialisers agree at scale 1 and take one uniform per weight (scale 0 too)', () => {
  const x = glorotUniformScaledBound(createRng(5), 4, 3, 1);
  const y = glorotUniformScaledAfter(createRng(5), 4, 3, 1);
  assert.deepEqual(x, y);
  const a = Math.sqrt(6 / 7);
  assert.ok(x.every((v) => Math.abs(v) <= a));
  const rng = createRng(5);
  const zero = glorotUniformScaledAfter(rng, 4, 3, 0);
  assert.ok(zero.every((v) => v === 0));
  const next = createRng(5);
  for (let i = 0; i < 12; i++) next.uniform();
  assert.equal(rng.uniform(), next.uniform());
});
