import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Topology } from '../../contracts/force-field.js';
import { createRng } from '../../util/random.js';
import { dihedral } from '../observables/dihedrals.js';
import { wrongChiralityRate } from '../transforms/chirality.js';
import { chiralCentres, radiusOfGyration } from './geometry.js';
import { deltaFFromProbability, stateOf, statePopulations } from './states.js';
import { molecularMetrics } from './molecular.js';
import { rightHandedSamples } from './chirality-filter.js';

const DEG = Math.PI / 180;
const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('states, populations and ΔF', () => {
  assert.equal(stateOf(-60 * DEG, -45 * DEG), 1);
  assert.equal(stateOf(-60 * DEG, 140 * DEG), 0);
  assert.equal(stateOf(-80 * DEG, -150 * DEG), 0);
  assert.equal(stateOf(60 * DEG, 30 * DEG), 2);
  // 20 % at φ > 0: ΔF = −ln(0.2/0.8) = ln 4.
  const phi = Float64Array.from({ length: 1000 }, (_, i) => (i % 5 === 0 ? 1 : -1));
  const psi = new Float64Array(1000).fill(150 * DEG);
  const pop = statePopulations(phi, psi);
  close(pop.phiPositive, 0.2, 1e-15, 'population');
  close(pop.beta, 0.8, 1e-15, 'population');
  close(deltaFFromProbability(0.2), Math.log(4), 1e-15, 'ΔF');
  // Log weights that put 3× the weight on φ > 0: P = 0.6/(0.6+0.8) = 3/7.
  const lw = Float64Array.from(phi, (p) => (p > 0 ? Math.log(3) : 0));
  close(statePopulations(phi, psi, lw).phiPositive, 3 / 7, 1e-12, 'reweighted population');
  // c7axAlphaL counts 0 < φ < 120° only: the β tail past ±180° (φ = 170°) is φ > 0 but not those basins.
  const split = statePopulations(
    [60 * DEG, 170 * DEG, -60 * DEG, -150 * DEG],
    [30 * DEG, 150 * DEG, -45 * DEG, 150 * DEG],
  );
  assert.deepEqual(split, { beta: 0.25, alphaR: 0.25, phiPositive: 0.5, c7axAlphaL: 0.25 });
});
// A minimal peptide: C(prev)–N–CA(–CB)–C–N(next), built from internal coordinates so that φ and ψ
// take chosen values.
const topology: Topology = {
  atoms: [
    { name: 'C', element: 'C', mass: 12, residueName: 'ACE', residueIndex: 0 },
    { name: 'N', element: 'N', mass: 14, residueName: 'ALA', residueIndex: 1 },
    { name: 'CA', element: 'C', mass: 12, residueName: 'ALA', residueIndex: 1 },
    { name: 'C', element: 'C', mass: 12, residueName: 'ALA', residueIndex: 1 },
    { name: 'N', element: 'N', mass: 14, residueName: 'NME', residueIndex: 2 },
    { name: 'CB', element: 'C', mass: 12, residueName: 'ALA', residueIndex: 1 },
  ],
  bonds: [],
};

type V = [number, number, number];
const sub = (a: V, b: V): V => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: V, b: V): V => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const unit = (a: V): V => {
  const l = Math.hypot(...a);
  return [a[0] / l, a[1] / l, a[2] / l];
};
/** Place d with |cd| = r, angle bcd = theta, dihedral abcd = tau (NeRF). */
function place(a: V, b: V, c: V, r: number, theta: number, tau: number): V {
  const bc = unit(sub(c, b));
  const n = unit(cross(sub(b, a), bc));
  const m = cross(n, bc);
  const d2 = [-r * Math.cos(theta), r * Math.sin(theta) * Math.cos(tau), r * Math.sin(theta) * Math.sin(tau)];
  return [
    c[0] + d2[0]! * bc[0] + d2[1]! * m[0] + d2[2]! * n[0],
    c[1] + d2[0]! * bc[1] + d2[1]! * m[1] + d2[2]! * n[1],
    c[2] + d2[0]! * bc[2] + d2[1]! * m[2] + d2[2]! * n[2],
  ];
}
function peptide(phi: number, psi: number, mirror = false): number[] {
  const C0: V = [0, 0, 0],
    N: V = [0.133, 0, 0],
    CA: V = [0.133 + 0.146 * Math.cos(1.1), 0.146 * Math.sin(1.1), 0];
  const C = place(C0, N, CA, 0.152, 1.94, phi);
  const N2 = place(N, CA, C, 0.133, 2.03, psi);
  const CB = place(C, N, CA, 0.153, 1.92, -2.1);
  const atoms = [C0, N, CA, C, N2, CB];
  return atoms.flatMap((p) => (mirror ? [p[0], p[1], -p[2]] : p));
}

test('peptide builder gives the requested φ, ψ; chirality and Rg behave', () => {
  const x = Float64Array.from(peptide(-70 * DEG, 140 * DEG));
  close(dihedral(x, 18, 0, [0, 1, 2, 3]), -70 * DEG, 1e-12, 'φ');
  close(dihedral(x, 18, 0, [1, 2, 3, 4]), 140 * DEG, 1e-12, 'ψ');
  const centres = chiralCentres(topology);
  assert.deepEqual(centres, [{ center: 2, neighbours: [1, 3, 5, -1] }]);
  const both = Float64Array.from([
    ...peptide(-70 * DEG, 140 * DEG),
    ...peptide(-70 * DEG, 140 * DEG, true),
    ...peptide(60 * DEG, 30 * DEG),
  ]);
  close(wrongChiralityRate(both, 3, centres, x), 1 / 3, 1e-15, 'mirror image is the wrong enantiomer');
  // Two unit masses 0.2 nm apart: Rg = 0.1.
  close(radiusOfGyration([0, 0, 0, 0.2, 0, 0], 1, [1, 1])[0]!, 0.1, 1e-15, 'Rg');
  close(
    radiusOfGyration([0, 0, 0, 0.3, 0, 0], 1, [2, 1])[0]!,
    Math.sqrt((2 * 0.1 ** 2 + 0.2 ** 2) / 3),
    1e-15,
    'mass-weighted Rg',
  );
});

test('rightHandedSamples drops the mirror image and keeps every per-sample array of the rest aligned', () => {
  const ref = Float64Array.from(peptide(-70 * DEG, 140 * DEG));
  const D = ref.length;
  const x = Float64Array.from([
    ...peptide(-70 * DEG, 140 * DEG),
    ...peptide(-70 * DEG, 140 * DEG, true),
    ...peptide(60 * DEG, 30 * DEG),
  ]);
  const set = {
    n: 3,
    dimension: D,
    x,
    y: Float64Array.from([10, 11, 20, 21, 30, 31]),
    modelDimension: 2,
    energies: Float64Array.from([1, 2, 3]),
    logQ: Float64Array.from([-1, -2, -3]),
    logw: Float64Array.from([0.1, 0.2, 0.3]),
    beta: 1,
    z: Float64Array.from([7, 8, 9]),
    latentDim: 1,
  };
  const r = rightHandedSamples(set, topology, ref);
  assert.equal(r.centres, 1);
  close(r.wrongRate, 1 / 3, 1e-15, 'wrong-enantiomer rate');
  assert.equal(r.samples.n, 2);
  assert.deepEqual(Array.from(r.samples.y), [10, 11, 30, 31]);
  assert.deepEqual(Array.from(r.samples.logw), [0.1, 0.3]);
  assert.deepEqual(Array.from(r.samples.energies), [1, 3]);
  assert.deepEqual(Array.from(r.samples.z!), [7, 9]);
  assert.deepEqual(Array.from(r.samples.x.subarray(D)), Array.from(x.subarray(2 * D)));
  assert.throws(() => rightHandedSamples(set, topology, ref.subarray(3)), /reference structure has/);
});

test('molecularMetrics: identical model and reference give zero errors; a known ΔF shift is found', () => {
  const rng = createRng(5);
  const n = 4000;
  const frames: number[] = [];
  const shifted: number[] = [];
  const basin = () => {
    const u = rng.uniform();
    return u < 0.1 ? [60, 40] : u < 0.4 ? [-65, -40] : [-75, 145];
  };
  for (let i = 0; i < n; i++) {
    const [p, q] = basin();
    frames.push(...peptide((p! + 10 * rng.normal()) * DEG, (q! + 10 * rng.normal()) * DEG));
  }
  for (let i = 0; i < n; i++) {
    // φ > 0 twice as often as in the reference: 2/11 vs 1/10 → ΔF error −ln(2·0.9/0.9)... computed below.
    const u = rng.uniform();
    const [p, q] = u < 0.2 ? [60, 40] : u < 0.4667 ? [-65, -40] : [-75, 145];
    shifted.push(...peptide((p! + 10 * rng.normal()) * DEG, (q! + 10 * rng.normal()) * DEG));
  }
  const x = Float64Array.from(frames);
  const energies = Float64Array.from({ length: n }, () => rng.normal() * 5);
  const latent = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const phi = dihedral(x, 18, i, [0, 1, 2, 3]),
      psi = dihedral(x, 18, i, [1, 2, 3, 4]);
    latent[2 * i] = Math.cos(phi) + 0.01 * rng.normal();
    latent[2 * i + 1] = Math.sin(psi) + Math.sin(phi);
  }
  const same = molecularMetrics({
    topology,
    beta: 0.5,
    samples: { x, n, energies, logw: new Float64Array(n) },
    reference: { x, n, energies, latent, latentDim: 2, runLengths: [n / 2, n / 2] },
    bootstrap: 50,
  });
  for (const k of [
    'mol.ramachandran.klRaw',
    'mol.ramachandran.jsRaw',
    'mol.ramachandran.klReweighted',
    'mol.energy.w1RawKT',
    'mol.rg.w1RawNm',
    'mol.deltaF.errorRawKT',
    'mol.chirality.wrongRate',
  ]) {
    assert.equal(same[k], 0, k);
  }
  assert.equal(same['mol.population.worstFactorRaw'], 1);
  close(same['mol.ess']!, 1, 1e-9, 'ESS of equal weights');
  assert.ok(same['mol.ramachandran.noiseFloor.js']! > 0 && same['mol.ramachandran.noiseFloor.js']! < 0.1);
  assert.ok(same['mol.deltaF.errorRawLowerKT']! < 0 && same['mol.deltaF.errorRawUpperKT']! > 0, 'interval covers 0');
  assert.equal(same['mol.reference.runs'], 2);
  // Equal weights have no tail to smooth: PSIS leaves them alone and k̂ is far below 0.5.
  assert.ok(
    Math.abs(same['mol.deltaF.errorPsisKT']! - same['mol.deltaF.errorReweightedKT']!) < 1e-9,
    'PSIS of equal weights changes nothing',
  );
  assert.ok(same['mol.khat']! < 0.5, `k̂ of equal weights ${same['mol.khat']}`);
  assert.ok(
    same['mol.cv.phiSign.bestBalancedAccuracy']! > 0.97,
    `φ-sign from z: ${same['mol.cv.phiSign.bestBalancedAccuracy']}`,
  );
  assert.ok(
    same['mol.cv.alphaBeta.bestBalancedAccuracy']! > 0.97,
    `α/β from z: ${same['mol.cv.alphaBeta.bestBalancedAccuracy']}`,
  );
  close(same['mol.cv.spearman.cosPhi']!, 1, 0.01, 'z1 tracks cos φ');

  const xs = Float64Array.from(shifted);
  const diff = molecularMetrics({ topology, beta: 0.5, samples: { x: xs, n }, reference: { x, n }, bootstrap: 100 });
  const pm = diff['mol.population.phiPositive.raw']!,
    pr = diff['mol.population.phiPositive.reference']!;
  close(diff['mol.deltaF.errorRawKT']!, -Math.log(pm / (1 - pm)) + Math.log(pr / (1 - pr)), 1e-12, 'ΔF error');
  // Construction: 0.2 vs 0.1 → error −ln(0.25) + ln(1/9) = ln(4/9) ≈ −0.81 kT, inside the interval.
  assert.ok(
    diff['mol.deltaF.errorRawLowerKT']! < Math.log(4 / 9) && Math.log(4 / 9) < diff['mol.deltaF.errorRawUpperKT']!,
  );
  assert.ok(diff['mol.deltaF.errorRawUpperKT']! < 0, 'the shift is resolved');
  close(diff['mol.population.phiPositive.factorRaw']!, pm / pr, 1e-12, 'factor');
});

test("molecularMetrics: the basins' worst factor leaves out the φ > 0 half-plane, which also holds the β tail past ±180°", () => {
  const frames = (list: [number, number, number][]) =>
    Float64Array.from(
      list.flatMap(([count, p, q]) => Array.from({ length: count }, () => peptide(p * DEG, q * DEG)).flat()),
    );
  // Reference: 90 β, 10 αL. Model: 80 β, 10 in β's tail at φ = 170°, 10 αL.
  const reference = frames([
    [90, -75, 145],
    [10, 60, 40],
  ]);
  const model = frames([
    [80, -75, 145],
    [10, 170, 150],
    [10, 60, 40],
  ]);
  const m = molecularMetrics({
    topology,
    beta: 0.5,
    samples: { x: model, n: 100 },
    reference: { x: reference, n: 100 },
    bootstrap: 10,
  });
  close(m['mol.population.phiPositive.factorRaw']!, 2, 1e-12, 'half-plane 0.2 vs 0.1');
  close(m['mol.population.c7axAlphaL.factorRaw']!, 1, 1e-12, 'C7ax/αL 0.1 vs 0.1');
  close(m['mol.population.beta.factorRaw']!, 0.9 / 0.8, 1e-12, 'β 0.8 vs 0.9');
  close(m['mol.population.worstFactorRaw']!, 2, 1e-12, 'all four');
  close(m['mol.population.worstFactorBasinsRaw']!, 0.9 / 0.8, 1e-12, 'β, αR and C7ax/αL');
});

test("molecularMetrics: a CV continuous across the β basin's ±180° seam separates C7ax/αL, not the φ sign", () => {
  // Reference frames: β around φ = −160° (σ 15°, so its tail crosses ±180°), C7ax/αL at φ = 60°.
  // z1 is φ in a chart cut at φ = 0 (the barrier) with 10° of noise, z2 is noise: a CV that knows
  // the basins but not on which side of ±180° a β frame within its precision lies.
  const rng = createRng(11);
  const n = 3000;
  const x: number[] = [];
  const latent = new Float64Array(2 * n);
  let tail = 0;
  for (let i = 0; i < n; i++) {
    const rare = i % 20 === 0;
    const phi = rare ? (60 + 10 * rng.normal()) * DEG : (-160 + 15 * rng.normal()) * DEG;
    const wrapped = Math.atan2(Math.sin(phi), Math.cos(phi));
    if (wrapped > 120 * DEG) tail++;
    x.push(...peptide(wrapped, (rare ? 40 : 150) * DEG));
    latent[2 * i] = (wrapped < 0 ? wrapped + 2 * Math.PI : wrapped) + 10 * DEG * rng.normal();
    latent[2 * i + 1] = 0.1 * rng.normal();
  }
  const X = Float64Array.from(x);
  const m = molecularMetrics({
    topology,
    beta: 0.5,
    samples: { x: X, n },
    reference: { x: X, n, latent, latentDim: 2 },
    bootstrap: 10,
  });
  assert.ok(tail > 40, `the β tail holds ${tail} frames at φ > 120°`);
  assert.ok(
    m['mol.cv.c7axAlphaL.bestBalancedAccuracy']! > 0.98,
    `C7ax/αL from z: ${m['mol.cv.c7axAlphaL.bestBalancedAccuracy']}`,
  );
  assert.equal(m['mol.cv.c7axAlphaL.positives'], n / 20, 'positives, pooled over both test halves');
  assert.ok(
    m['mol.cv.phiSign.bestBalancedAccuracy']! < 0.93,
    `φ sign ${m['mol.cv.phiSign.bestBalancedAccuracy']} vs C7ax/αL ${m['mol.cv.c7axAlphaL.bestBalancedAccuracy']}`,
  );
  // The φ-sign misses fall at the seam: the C7ax/αL frames are all recalled, the tail's not, and
  // φ < 0 frames near −180° are called φ > 0 (recalls 0.77–0.80 and 0.88 here).
  assert.equal(m['mol.cv.phiSign.recall.betaTail.frames'], tail);
  assert.equal(m['mol.cv.phiSign.recall.c7axAlphaL.frames'], n / 20);
  assert.equal(m['mol.cv.phiSign.recall.negative.frames'], n - n / 20 - tail);
  for (const clf of ['knn', 'logistic']) {
    const r = (region: string) => m[`mol.cv.phiSign.${clf}.recall.${region}`]!;
    assert.ok(
      r('c7axAlphaL') > 0.97 && r('betaTail') < 0.9 && r('negative') < 0.95,
      `${clf}: recall C7ax/αL ${r('c7axAlphaL')}, β tail ${r('betaTail')}, φ < 0 ${r('negative')}`,
    );
  }
});
