import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createRng } from '../../util/random.js';
import { readPdb } from '../io/pdb.js';
import { loadSystemJson } from '../system/system-json.js';
import { buildZMatrix } from '../transforms/z-matrix-from-bonds.js';
import { createInternalCoordinateTransform } from '../transforms/internal-coordinates.js';
import { backboneTorsions, methylRotorTorsions } from '../transforms/torsion-names.js';
import { methylRotors } from '../observables/methyl-rotors.js';
import {
  bestThreshold,
  binnedMutualInformation,
  circularBins,
  circularLinearCorrelation,
  latentCapture,
  latentCaptureMetrics,
  quantileBins,
  residueState,
} from './latent-capture.js';
import { residueAngles } from './molecular.js';

const EX = (f: string) => fileURLToPath(new URL(`../../../../../examples/alanine-tetrapeptide/${f}`, import.meta.url));
const DEG = Math.PI / 180;
const close = (a: number | undefined, b: number, tol: number, what: string) =>
  assert.ok(a !== undefined && Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('binned mutual information is the exact MI of the table; bins by rank and by angle', () => {
  // Two binary variables, P(a = b) = 0.9, equal margins: MI = log 2 − H(0.9).
  const n = 1000;
  const a = Int32Array.from({ length: n }, (_, i) => i % 2);
  const b = Int32Array.from(a, (v, i) => (i < 100 ? 1 - v : v));
  const h = -(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1));
  close(binnedMutualInformation(a, b, 2, 2), Math.log(2) - h, 1e-12, 'MI');
  close(
    binnedMutualInformation(
      a,
      Int32Array.from(a, () => 0),
      2,
      1,
    ),
    0,
    1e-15,
    'MI with a constant',
  );
  assert.deepEqual([...quantileBins([5, -1, 3, 0, 9, 2], 3)], [2, 0, 1, 0, 2, 1]);
  assert.deepEqual([...circularBins([-Math.PI, -0.1, 0, Math.PI, 3 * Math.PI], 4)], [0, 1, 2, 0, 0]);
});

test('circular-linear correlation: 1 for a linear function of cos/sin, √6/π for the angle itself', () => {
  const n = 20000;
  const theta = Float64Array.from({ length: n }, (_, i) => -Math.PI + (2 * Math.PI * (i + 0.5)) / n);
  close(
    circularLinearCorrelation(
      Float64Array.from(theta, (t) => 2 * Math.cos(t) - Math.sin(t) + 3),
      theta,
    ),
    1,
    1e-9,
    'R',
  );
  // corr(θ, sin θ) for θ uniform on the circle: E[θ sin θ] = 1, var θ = π²/3, var sin θ = 1/2.
  close(circularLinearCorrelation(theta, theta), Math.sqrt(6) / Math.PI, 1e-4, 'R(θ, θ)');
});

test('best single threshold: a perfect cut, an interval, and no cut', () => {
  const v = [1, 2, 3, 4, 5, 6, 7, 8];
  close(bestThreshold(v, Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1])), 1, 0, 'above');
  close(bestThreshold(v, Uint8Array.from([1, 1, 1, 0, 0, 0, 0, 0])), 1, 0, 'below');
  // An interval at 3–4: the cut above it recalls it fully and 4 of the 6 others: (1 + 4/6) / 2.
  close(bestThreshold(v, Uint8Array.from([0, 0, 1, 1, 0, 0, 0, 0])), 5 / 6, 1e-12, 'interval');
  assert.ok(Number.isNaN(bestThreshold(v, new Uint8Array(8))));
  assert.equal(residueState(-80 * DEG, 150 * DEG), 0);
  assert.equal(residueState(-70 * DEG, -40 * DEG), 1);
  assert.equal(residueState(60 * DEG, 30 * DEG), 2);
  assert.equal(residueState(160 * DEG, 150 * DEG), 0, 'the β tail past ±180° is β');
});

/**
 * Tetrapeptide frames whose ALA2 φ and ALA3 methyl rotor are set at random (through the
 * internal-coordinates transform), and ALA4 ψ at random too, independently.
 */
function constructedFrames(n: number) {
  const s = loadSystemJson(EX('system-obc2.json'));
  const top = { atoms: s.atoms, bonds: s.bonds };
  const x0 = readPdb(EX('ala4.pdb')).positions.subarray(0, 3 * s.atoms.length);
  const t = createInternalCoordinateTransform({ nAtoms: s.atoms.length, zMatrix: buildZMatrix(top), topology: top });
  const y0 = t.inverse64(x0, 1).y;
  const bb = backboneTorsions(t.names!);
  const rotor = methylRotorTorsions(t.names!).find((i) => t.names![i]!.includes('CB:3'))!;
  const rng = createRng(5);
  const d = y0.length;
  const y = new Float64Array(n * d);
  const rotorAngle = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y.set(y0, i * d);
    y[i * d + bb.phi[0]!] = Math.PI * (2 * rng.uniform() - 1);
    y[i * d + bb.psi[2]!] = Math.PI * (2 * rng.uniform() - 1);
    rotorAngle[i] = y[i * d + rotor] = Math.PI * (2 * rng.uniform() - 1);
  }
  return { top, x: t.forward64(y, n).x, rotorAngle, rng };
}

test('latent capture of constructed samples: z1 is φ of ALA2, z2 noise, z3 the ALA3 methyl phase', () => {
  const n = 6000;
  const { top, x, rotorAngle, rng } = constructedFrames(n);
  assert.deepEqual(
    methylRotors(top).map((m) => m.carbon),
    ['CH3', 'CB', 'CB', 'CB', 'C'],
  );
  const phi2 = residueAngles(top, { x, n })[0]!.phi;
  const z = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    z[3 * i] = phi2[i]!;
    z[3 * i + 1] = rng.normal();
    z[3 * i + 2] = Math.cos(3 * rotorAngle[i]!);
  }
  const c = latentCapture({ topology: top, x, n, z, latentDim: 3 });
  const m = latentCaptureMetrics(c);
  assert.deepEqual(
    c.torsions.map((t) => t.name),
    [
      'ALA2.phi',
      'ALA2.psi',
      'ALA3.phi',
      'ALA3.psi',
      'ALA4.phi',
      'ALA4.psi',
      'ACE1.CH3',
      'ALA2.CB',
      'ALA3.CB',
      'ALA4.CB',
      'NME5.C',
    ],
  );
  const bias = c.miBias;
  // z1 = φ: 16 equal-count bins of a uniform angle against 16 equal-width ones, a diagonal table up
  // to the quantiles' sampling noise (about 0.04 rad at n = 6000, a tenth of a bin): near log 16.
  assert.ok(m['mol.cv.capture.z1.ALA2.phi.mi']! > Math.log(16) - 0.4, `MI ${m['mol.cv.capture.z1.ALA2.phi.mi']}`);
  close(m['mol.cv.capture.z1.ALA2.phi.circular'], Math.sqrt(6) / Math.PI, 0.02, 'R(z1, φ2)');
  for (const t of ['ALA3.phi', 'ALA4.psi', 'ALA3.CB']) assert.ok(m[`mol.cv.capture.z1.${t}.mi`]! < 3 * bias, `z1 ${t}`);
  for (const t of c.torsions) assert.ok(m[`mol.cv.capture.z2.${t.name}.mi`]! < 3 * bias, `z2 ${t.name}`);
  // z3 = cos of the rotor's phase: the phase of the torsion the capture measures may be shifted by a
  // constant from the Z-matrix's (another hydrogen, not exactly 120° away), so R stays close to 1.
  assert.ok(m['mol.cv.capture.z3.ALA3.CB.mi']! > 1, `MI ${m['mol.cv.capture.z3.ALA3.CB.mi']}`);
  assert.ok(m['mol.cv.capture.z3.ALA3.CB.circular']! > 0.99);
  assert.ok(m['mol.cv.capture.z3.ALA2.CB.mi']! < 3 * bias);
  // ALA2's states along z1 = φ (ψ stays at the built 146°): C7ax/αL is 0 < φ < 120°, a third of the
  // circle in the middle of z1. A single cut at 0 recalls it fully and 3/4 of the rest: 0.875.
  const l2 = c.states.find((s) => s.name === 'ALA2.c7axAlphaL')!;
  close(l2.fraction, 1 / 3, 0.02, 'C7ax/αL fraction');
  close(l2.mean[0]!, Math.PI / 3, 0.03, 'mean z1 in C7ax/αL');
  close(l2.sd[0]!, (2 * Math.PI) / 3 / Math.sqrt(12), 0.02, 'sd z1 in C7ax/αL');
  close(l2.cut[0]!, 0.875, 0.01, 'cut on z1');
  close(l2.cut[1]!, 0.5, 0.02, 'cut on z2');
  assert.ok(l2.allZ > 0.97, `a quadratic classifier on z finds the interval: ${l2.allZ}`);
  assert.equal(m['mol.cv.capture.state.ALA2.c7axAlphaL.z1.cut'], l2.cut[0]);
  // ALA3 is β in every frame; ALA4's ψ is random, so ALA4 is β or αR: joint states bbb, bba, lbb, lba.
  assert.ok(!c.states.some((s) => s.name.startsWith('ALA3.') && s.name !== 'ALA3.beta'));
  const joint = c.states.filter((s) => s.name.startsWith('joint.')).map((s) => s.name);
  assert.deepEqual([...joint].sort(), ['joint.bba', 'joint.bbb', 'joint.lba', 'joint.lbb']);
  assert.throws(
    () => latentCapture({ topology: top, x, n, z, latentDim: 2 }),
    /18000 latent values for 6000 frames × 2/,
  );
});
