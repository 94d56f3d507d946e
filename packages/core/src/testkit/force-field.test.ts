// The force-field checks against a closed-form 2-D double well and broken variants of it: each
// broken fixture passes the checks that existed before and fails the one written for its fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPositions, type EnergyBatch, type ForceField } from '../contracts/force-field.js';
import { API_VERSION, defineForceField } from '../plugin.js';
import {
  checkBadInput,
  checkBatchInvariance,
  checkFiniteOutput,
  checkForcesFiniteDifference,
  checkOutputShapes,
  ConformanceError,
  probePoints,
  probeSet,
  runPluginConformance,
  typicalLength,
} from './index.js';

type Flaw = (x: Float64Array, n: number, b: EnergyBatch) => EnergyBatch;

/** U = (x² − 1)² + ½ y², F = −(4x(x² − 1), y), initial positions at the left minimum (−1, 0). */
function doubleWell(name: string, flaw?: Flaw): ForceField {
  const ff: ForceField = {
    name,
    dimension: 2,
    initialPositions: Float64Array.from([-1, 0]),
    evaluate(x, n, o) {
      checkPositions(ff, x, n);
      const energies = new Float64Array(n);
      const forces = new Float64Array(o?.energiesOnly ? 0 : 2 * n);
      for (let i = 0; i < n; i++) {
        const [a, b] = [x[2 * i]!, x[2 * i + 1]!];
        energies[i] = (a * a - 1) ** 2 + 0.5 * b * b;
        if (o?.energiesOnly) continue;
        forces[2 * i] = -4 * a * (a * a - 1);
        forces[2 * i + 1] = -b;
      }
      return flaw ? flaw(x, n, { energies, forces }) : { energies, forces };
    },
  };
  return ff;
}

function plugin(name: string, flaw?: Flaw) {
  return defineForceField<Record<string, never>>({
    name,
    version: '1.0.0',
    apiVersion: API_VERSION,
    optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
    create: () => doubleWell(name, flaw),
  });
}

/** NaN wherever |x| > 1.8: invisible within ±0.01 of the initial positions. */
const nanBeyond: Flaw = (x, n, b) => {
  for (let i = 0; i < n; i++) {
    if (Math.hypot(x[2 * i]!, x[2 * i + 1]!) <= 1.8) continue;
    b.energies[i] = NaN;
    if (b.forces.length) b.forces.fill(NaN, 2 * i, 2 * i + 2);
  }
  return b;
};

test('the closed-form double well passes every force-field check', async () => {
  const results = await runPluginConformance(plugin('good-well'));
  assert.deepEqual(
    results.map((r) => [r.check, r.passed]),
    [
      ['descriptor and schema-valid defaults', true],
      ['output shapes', true],
      ['finite output', true],
      ['forces vs finite differences', true],
      ['batch invariance', true],
      ['bad input', true],
      ['determinism', true],
    ],
  );
});

test('probe set: the centre, 2 configurations per scale × the typical length, and 4 in the box ±3', () => {
  const set = probeSet(doubleWell('w'));
  assert.equal(set.n, 11);
  assert.deepEqual(Array.from(set.points.subarray(0, 2)), [-1, 0]);
  assert.deepEqual(set.labels.slice(0, 3), [
    'the initial positions',
    'the initial positions + noise of 0.01 × 1',
    'the initial positions + noise of 0.01 × 1',
  ]);
  for (let i = 7; i < 11; i++) {
    assert.equal(set.labels[i], 'uniform in [−3, 3]^2');
    for (const v of set.points.subarray(2 * i, 2 * i + 2)) assert.ok(Math.abs(v) <= 3);
  }
  // A molecule: mean bond length of its initial structure (0.1 and 0.2 nm), and no box.
  const molecule: ForceField = {
    name: 'm',
    dimension: 9,
    initialPositions: Float64Array.from([0, 0, 0, 0.1, 0, 0, 0.1, 0.2, 0]),
    topology: {
      atoms: ['A', 'B', 'C'].map((name) => ({ name, element: 'C', mass: 12, residueName: 'X', residueIndex: 0 })),
      bonds: [
        [0, 1],
        [1, 2],
      ],
    },
    evaluate: () => ({ energies: new Float64Array(0), forces: new Float64Array(0) }),
  };
  assert.ok(Math.abs(typicalLength(molecule) - 0.15) < 1e-15);
  assert.equal(probeSet(molecule).n, 7);
  assert.equal(probeSet(molecule).labels[6], 'the initial positions + noise of 1 × 0.15');
});

test('NaN only beyond |x| = 1.8: the old ±0.01 probes pass it, the probe set fails it by name', async () => {
  const ff = doubleWell('nan-beyond-1.8', nanBeyond);
  const old = probePoints(ff, 8, 1, 0.01);
  await checkForcesFiniteDifference(ff, { points: old });
  await checkBatchInvariance(ff, { points: old });
  await checkBadInput(ff, { probes: { scales: [0.01] } });
  await checkFiniteOutput(ff, { points: old });
  await assert.rejects(
    checkFiniteOutput(ff),
    (e: Error) =>
      e instanceof ConformanceError &&
      /^finite output: nan-beyond-1\.8: configuration \d+ \([^)]+ at \(-?[\d.]+, -?[\d.]+\)\): energy is NaN/.test(
        e.message,
      ),
  );
  await assert.rejects(
    runPluginConformance(plugin('nan-beyond-1.8', nanBeyond)),
    /plugin "nan-beyond-1\.8" failed \d conformance check\(s\):\n {2}- finite output: nan-beyond-1\.8: configuration \d+/,
  );
});

test('finite output names the force component that is not finite', async () => {
  const ff = doubleWell('nan-force', (x, n, b) => {
    for (let i = 0; i < n; i++) if (b.forces.length && x[2 * i]! > 1.5) b.forces[2 * i + 1] = NaN;
    return b;
  });
  await assert.rejects(
    checkFiniteOutput(ff),
    /nan-force: configuration \d+ .*: force coordinate 1 is NaN at a finite energy/,
  );
});

test('wrong array lengths are named: a short forces array, too many energies', async () => {
  const short = doubleWell('short-forces', (_x, _n, b) => ({
    ...b,
    forces: b.forces.subarray(0, b.forces.length - 1),
  }));
  await assert.rejects(
    checkOutputShapes(short),
    /^ConformanceError: output shapes: short-forces: a batch of 11 configurations of 2 coordinates: forces has length 21, expected n · D = 11 · 2 = 22$/,
  );
  const results = await runPluginConformance(
    plugin('short-forces', (_x, _n, b) => ({ ...b, forces: b.forces.subarray(1) })),
    {
      throwOnFailure: false,
    },
  );
  assert.equal(results.find((r) => r.check === 'output shapes')?.passed, false);
  const long = doubleWell('long-energies', (_x, _n, b) => ({ ...b, energies: Float64Array.from([...b.energies, 0]) }));
  await assert.rejects(checkOutputShapes(long), /long-energies: .*energies has length 12, expected n = 11/);
});

test('forces of the wrong sign fail the finite-difference check, which names the worst component', async () => {
  const flip: Flaw = (_x, _n, b) => ({ ...b, forces: b.forces.map((f) => -f) });
  const ff = doubleWell('flipped', flip);
  // The worst component by the check's own measure: |error| = 2|F|, tolerance 1e-5·max(rms, |F|) + 1e-6.
  const set = probeSet(ff);
  const { forces } = await doubleWell('w').evaluate(set.points, set.n);
  let best = { ratio: -1, i: -1, k: -1 };
  for (let i = 0; i < set.n; i++) {
    const rms = Math.sqrt((forces[2 * i]! ** 2 + forces[2 * i + 1]! ** 2) / 2);
    for (const k of [0, 1]) {
      const f = forces[2 * i + k]!;
      const ratio = (2 * Math.abs(f)) / (1e-5 * Math.max(rms, Math.abs(f)) + 1e-6);
      if (ratio > best.ratio) best = { ratio, i, k };
    }
  }
  await assert.rejects(checkForcesFiniteDifference(ff), (e: Error) => {
    assert.match(e.message, /^forces vs finite differences: flipped: configuration (\d+), coordinate (\d+): force/);
    assert.match(e.message, new RegExp(`configuration ${best.i}, coordinate ${best.k}:`));
    assert.match(e.message, /the worst of 2\d components outside tolerance/);
    return true;
  });
});
