import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@embedcg/core/tf';
import '@embedcg/core/tf/backend-wasm';
import { createRng } from '../../util/random.js';
import type { Topology } from '../../contracts/force-field.js';
import { backboneAnchors, canonicalFrame, createRigidBodyTransform, fixedCoordinates } from './rigid-body.js';
import { rigidBodyPlugin } from '../../molecular-transform-plugins.js';

tf.enableProdMode();
const nAtoms = 22;
const D = 3 * nAtoms;
const anchors = { origin: 6, axis: 8, plane: 14 };

/** Random molecules-like point clouds (atoms within ~1 nm), rotated and shifted arbitrarily. */
function randomConfigurations(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const x = new Float64Array(n * D);
  for (let i = 0; i < x.length; i++) x[i] = 2 * rng.uniform() - 1 + (i % 3) * 0.3;
  return x;
}

function distance(x: Float64Array, f: number, i: number, j: number): number {
  const a = f * D + 3 * i,
    b = f * D + 3 * j;
  return Math.hypot(x[a]! - x[b]!, x[a + 1]! - x[b + 1]!, x[a + 2]! - x[b + 2]!);
}

/** Signed volume (a−o)·((b−o)×(c−o)): its sign is the handedness. */
function volume(x: Float64Array, f: number, o: number, a: number, b: number, c: number): number {
  const p = (i: number, k: number) => x[f * D + 3 * i + k]! - x[f * D + 3 * o + k]!;
  const u = [p(a, 0), p(a, 1), p(a, 2)],
    v = [p(b, 0), p(b, 1), p(b, 2)],
    w = [p(c, 0), p(c, 1), p(c, 2)];
  return (
    u[0]! * (v[1]! * w[2]! - v[2]! * w[1]!) -
    u[1]! * (v[0]! * w[2]! - v[2]! * w[0]!) +
    u[2]! * (v[0]! * w[1]! - v[1]! * w[0]!)
  );
}

test('dimensions and the fixed coordinates', () => {
  const t = createRigidBodyTransform({ nAtoms, ...anchors });
  assert.equal(t.inputDimension, 60);
  assert.equal(t.outputDimension, 66);
  assert.deepEqual(fixedCoordinates(anchors), [18, 19, 20, 25, 26, 44]);
});

test('inverse64 puts x into the canonical frame: a proper rotation plus a shift', () => {
  const n = 50;
  const x = randomConfigurations(n, 1);
  const c = canonicalFrame(x, n, { nAtoms, ...anchors });
  for (let f = 0; f < n; f++) {
    const o = f * D;
    assert.deepEqual([c[o + 18], c[o + 19], c[o + 20], c[o + 25], c[o + 26], c[o + 44]], [0, 0, 0, 0, 0, 0]);
    assert.ok(c[o + 24]! > 0, 'axis atom on +x');
    assert.ok(c[o + 43]! > 0, 'plane atom at y > 0');
    for (const [i, j] of [
      [0, 21],
      [3, 17],
      [6, 8],
      [10, 11],
      [2, 19],
    ] as const) {
      assert.ok(Math.abs(distance(c, f, i, j) - distance(x, f, i, j)) < 1e-12, `distance ${i}-${j} kept`);
    }
    const v0 = volume(x, f, 8, 6, 14, 10),
      v1 = volume(c, f, 8, 6, 14, 10);
    assert.ok(Math.abs(v0 - v1) < 1e-12 * Math.max(1, Math.abs(v0)), 'handedness kept (no reflection)');
  }
});

test('round trips: y → x → y exact; x → y → x equals the canonical form', () => {
  const t = createRigidBodyTransform({ nAtoms, ...anchors });
  const n = 40;
  const x = randomConfigurations(n, 2);
  const { y } = t.inverse64(x, n);
  const back = t.forward64(y, n);
  assert.deepEqual(Array.from(back.logDetJ), new Array(n).fill(0));
  assert.deepEqual(Array.from(back.x), Array.from(canonicalFrame(x, n, { nAtoms, ...anchors })));
  const y2 = t.inverse64(back.x, n).y;
  assert.deepEqual(Array.from(y2), Array.from(y), 'y → x → y is exact');
});

for (const backend of ['cpu', 'wasm'])
  test(`forward (tfjs, ${backend}) matches forward64 and passes gradients through`, async () => {
    await tf.setBackend(backend);
    const t = createRigidBodyTransform({ nAtoms, ...anchors });
    const n = 7;
    const y64 = t.inverse64(randomConfigurations(n, 3), n).y;
    const y32 = Float32Array.from(y64);
    const yt = tf.tensor2d(y32, [n, 60]);
    const { x, logDetJ } = t.forward(yt);
    assert.deepEqual(x.shape, [n, 66]);
    assert.deepEqual(Array.from(x.dataSync()), Array.from(Float32Array.from(t.forward64(Float64Array.from(y32), n).x)));
    assert.deepEqual(Array.from(logDetJ.dataSync()), new Array(n).fill(0));
    // d/dy of Σ w·x with random weights w: the gradient is w restricted to the kept coordinates.
    const rng = createRng(4);
    const w = Float32Array.from({ length: n * D }, () => rng.uniform() - 0.5);
    const wt = tf.tensor2d(w, [n, D]);
    const v = tf.variable(yt);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(t.forward(v as unknown as tf.Tensor2D).x, wt)) as tf.Scalar,
      [v],
    );
    const g = grads[v.name]!.dataSync();
    const fixed = new Set(fixedCoordinates(anchors));
    for (let f = 0; f < n; f++) {
      for (let k = 0, j = 0; k < D; k++) {
        if (fixed.has(k)) continue;
        assert.equal(g[f * 60 + j], w[f * D + k]);
        j++;
      }
    }
    tf.dispose([yt, x, logDetJ, wt, v, grads]);
  });

test('degenerate anchors and bad options give clear errors', () => {
  assert.throws(() => createRigidBodyTransform({ nAtoms, origin: 6, axis: 6, plane: 14 }), /three different atoms/);
  assert.throws(
    () => createRigidBodyTransform({ nAtoms, origin: 6, axis: 8, plane: 22 }),
    /plane = 22 is not an atom index/,
  );
  const t = createRigidBodyTransform({ nAtoms: 3, origin: 0, axis: 1, plane: 2 });
  assert.throws(
    () => t.inverse64(new Float64Array([0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2]), 2),
    /configuration 0: atoms 0, 1, 2 are collinear/,
  );
  assert.throws(
    () => t.inverse64(new Float64Array([0, 0, 0, 1, 1, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2]), 2),
    /configuration 1: axis atom 1 coincides/,
  );
});

test('plugin: anchors default to N, CA, C found by name; required without a backbone', async () => {
  const names = [
    ['CH3', 0],
    ['H1', 0],
    ['H2', 0],
    ['H3', 0],
    ['C', 0],
    ['O', 0],
    ['N', 1],
    ['H', 1],
    ['CA', 1],
    ['HA', 1],
    ['CB', 1],
    ['HB1', 1],
    ['HB2', 1],
    ['HB3', 1],
    ['C', 1],
    ['O', 1],
    ['N', 2],
    ['H', 2],
    ['C', 2],
    ['H1', 2],
    ['H2', 2],
    ['H3', 2],
  ] as const;
  const topology: Topology = {
    atoms: names.map(([name, r]) => ({
      name,
      element: name[0]!,
      mass: 1,
      residueName: ['ACE', 'ALA', 'NME'][r]!,
      residueIndex: r,
    })),
    bonds: [],
  };
  assert.deepEqual(backboneAnchors(topology), anchors);
  const logs: string[] = [];
  const ctx = { configDir: '.', seed: 0, log: (m: string) => logs.push(m) };
  const ff = {
    name: 'ala',
    dimension: D,
    topology,
    evaluate: () => ({ energies: new Float64Array(), forces: new Float64Array() }),
  };
  const t = await rigidBodyPlugin.create({}, { ...ctx, forceField: ff });
  assert.equal(t.inputDimension, 60);
  assert.match(logs[0]!, /origin atom 6, axis atom 8, plane atom 14/);
  const noTop = { ...ff, topology: undefined };
  await assert.rejects(
    async () => rigidBodyPlugin.create({}, { ...ctx, forceField: noTop }),
    /origin, axis and plane are required/,
  );
  const explicit = await rigidBodyPlugin.create({ origin: 0, axis: 1, plane: 2 }, { ...ctx, forceField: noTop });
  const x = randomConfigurations(1, 5);
  const y = explicit.inverse64(x, 1).y;
  // Anchors 0, 1, 2 fix x[0..2], x[4], x[5], x[8]: y[0] is atom 1's x, its distance to atom 0.
  assert.ok(Math.abs(y[0]! - distance(x, 0, 0, 1)) < 1e-12);
  assert.equal(explicit.forward64(y, 1).x[0], 0);
  await assert.rejects(
    async () => rigidBodyPlugin.create({}, { ...ctx, forceField: { ...ff, dimension: 2 } }),
    /not 3 per atom/,
  );
});
