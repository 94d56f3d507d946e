import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statePopulations } from '@embedcg/core/molecules';
import { weightsFromLogw } from './binning.js';
import { basinMasses } from './dihedral-states.js';
import { formatNumber } from './summary-labels.js';
import { plotJobs } from './report-plots.js';
import { buildReport, type ReportData } from './report.js';
import { residuePlotId, residueTitle, type ResidueDihedrals } from './residue-ramachandran.js';
import { checkSvg, decodePng, imageStats, makeRng } from './test-support/fixtures.js';
import { svgToPng } from './render.js';

const deg = Math.PI / 180;
/** Centres (φ, ψ in degrees) of β, αR, C7ax/αL and the β tail past ±180° (φ > 0 but not C7ax/αL). */
const CENTRES: Array<[number, number]> = [
  [-120, 140],
  [-70, -40],
  [60, 40],
  [150, 150],
];

/** n samples of one residue, each drawn in a known basin with probabilities p; the basin of each kept. */
function residueSamples(p: number[], n: number, seed: number) {
  const rng = makeRng(seed);
  const basin = new Int32Array(n);
  const phi = new Float64Array(n);
  const psi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let u = rng.uniform();
    let b = 0;
    while (b < p.length - 1 && u >= p[b]!) u -= p[b++]!;
    basin[i] = b;
    // 3° spread keeps every sample well inside its basin.
    phi[i] = (CENTRES[b]![0] + 3 * rng.normal()) * deg;
    psi[i] = (CENTRES[b]![1] + 3 * rng.normal()) * deg;
  }
  return { basin, phi, psi };
}

const N = 3000;
const PROBS = [
  [0.6, 0.3, 0.05, 0.05],
  [0.2, 0.7, 0.1, 0],
  [0.1, 0.1, 0.8, 0],
];
const LABELS = ['ALA2', 'ALA3', 'ALA4'];
const model = PROBS.map((p, k) => residueSamples(p, N, 10 + k));
const reference = PROBS.map((p, k) => residueSamples([...p].reverse(), 2000, 20 + k));
const rng = makeRng(3);
const logw = Float64Array.from({ length: N }, () => rng.normal());
const W = weightsFromLogw(logw);

const residues: ResidueDihedrals[] = LABELS.map((label, k) => ({
  label,
  model: { phi: model[k]!.phi, psi: model[k]!.psi },
  reference: { phi: reference[k]!.phi, psi: reference[k]!.psi },
}));
const metrics = {
  'mol.residue.ALA3.js32.raw': 0.0812,
  'mol.residue.ALA3.js32.reweighted': 0.0456,
  'mol.residue.ALA3.js32.noiseFloor': 0.0131,
  'mol.residue.ALA3.js32.runVsRuns': 0.0177,
};

function reportData(res: ResidueDihedrals[]): ReportData {
  return {
    samples: { positions: new Float64Array(N), n: N, dimension: 1, logw },
    dihedrals: { model: res[0]!.model, reference: res[0]!.reference!, residues: res },
    run: { config: {}, metrics, history: [] },
  };
}

/** β / αR / C7ax-αL in per cent, from the basin each sample was drawn in (not from its angles). */
function expectedMasses(basin: Int32Array, w?: Float64Array): string {
  const mass = [0, 0, 0, 0];
  let total = 0;
  basin.forEach((b, i) => {
    mass[b]! += w ? w[i]! : 1;
    total += w ? w[i]! : 1;
  });
  return `${[0, 1, 2].map((b) => formatNumber((100 * mass[b]!) / total)).join(' / ')} %`;
}

test('a peptide of three residues gets one Ramachandran plot per residue, titled with it, in chain order', () => {
  const jobs = plotJobs(reportData(residues));
  assert.deepEqual(
    jobs.map((j) => j.id),
    ['ramachandran-ala2', 'ramachandran-ala3', 'ramachandran-ala4', 'free-energy-phi', 'free-energy-psi'],
  );
  assert.deepEqual(
    jobs.map((j) => j.title),
    ['ALA 2: φ/ψ', 'ALA 3: φ/ψ', 'ALA 4: φ/ψ', 'Free energy along φ of ALA 2', 'Free energy along ψ of ALA 2'],
  );
  assert.equal(residueTitle('ALA12'), 'ALA 12');
  assert.equal(residuePlotId('ALA12'), 'ramachandran-ala12');
});

test('each caption gives the basin masses of its own residue: raw, reweighted and reference', () => {
  const jobs = plotJobs(reportData(residues));
  LABELS.forEach((_, k) => {
    const caption = jobs[k]!.caption;
    assert.ok(caption.includes(`model raw ${expectedMasses(model[k]!.basin)}`), caption);
    assert.ok(caption.includes(`model reweighted ${expectedMasses(model[k]!.basin, W)}`), caption);
    assert.ok(caption.includes(`reference ${expectedMasses(reference[k]!.basin)}`), caption);
    assert.match(caption, /\(model, raw \| model, reweighted \| reference\)/);
  });
});

test("the caption carries the residue's JS(32²) from evaluate's metrics, and none when they lack it", () => {
  const jobs = plotJobs(reportData(residues));
  assert.match(
    jobs[1]!.caption,
    /on 32² bins \(as evaluate\): 0\.0456 nats reweighted, 0\.0812 raw; noise floor: the reference's halves against each other 0\.0131, its first run against the rest 0\.0177\./,
  );
  assert.ok(!jobs[0]!.caption.includes('Jensen–Shannon'), jobs[0]!.caption);
});

test('a residue plot draws: its title and numbers are in the picture, and it is not blank', async () => {
  const svg = await plotJobs(reportData(residues))[1]!.svg();
  const texts = checkSvg(svg).texts.join('\n');
  assert.ok(texts.includes('ALA 3: φ/ψ free energy'), texts);
  assert.ok(texts.includes(`model reweighted ${expectedMasses(model[1]!.basin, W)}`), texts);
  assert.ok(texts.includes('JS(32²) 0.0456 nats reweighted'), texts);
  assert.ok(imageStats(decodePng(svgToPng(svg))).variance > 100);
});

test('one residue keeps the single Ramachandran plot of the dipeptide, with its id and caption', () => {
  const jobs = plotJobs(reportData(residues.slice(0, 1)));
  assert.deepEqual(
    jobs.map((j) => [j.id, j.title]),
    [
      ['ramachandran', 'Ramachandran plot: the model beside the reference'],
      ['free-energy-phi', 'Free energy along φ'],
      ['free-energy-psi', 'Free energy along ψ'],
    ],
  );
  assert.equal(
    jobs[0]!.caption,
    'Free energy −ln p(φ, ψ) in kT on one colour scale for all panels (model, raw | model, reweighted | reference); grey bins hold fewer than 10 effective samples and show no value.',
  );
});

test("a residue whose φ and ψ do not match becomes the report's warning, the others still draw", async () => {
  const bad = residues.map((r, k) =>
    k === 2 ? { ...r, model: { phi: r.model.phi, psi: Array.from(r.model.psi).slice(1) } } : r,
  );
  const data = reportData(bad);
  const r = await buildReport({ ...data, dihedrals: { ...data.dihedrals!, model: bad[0]!.model } });
  assert.deepEqual(r.warnings, [`ALA 4: φ/ψ: basinMasses: ${N} φ values but ${N - 1} ψ values`]);
  assert.equal((r.html.match(/<img class="plot"/g) ?? []).length, 4);
});

test("basinMasses agrees with core's statePopulations, seams included", () => {
  const r = makeRng(8);
  const n = 5000;
  // Angles anywhere, a fifth of them on the boundaries (φ = 0, 120°, ±180°; ψ = −120°, 50°).
  const edges = [0, 120, 180, -180, -120, 50];
  const pick = () => (r.uniform() < 0.2 ? edges[Math.floor(r.uniform() * edges.length)]! : 360 * r.uniform() - 180);
  // Core works on angles in (−π, π], as computed dihedrals are; so do both here.
  const inRange = (v: number) => (v > Math.PI ? v - 2 * Math.PI : v <= -Math.PI ? v + 2 * Math.PI : v);
  const phi = Float64Array.from({ length: n }, () => inRange(pick() * deg));
  const psi = Float64Array.from({ length: n }, () => inRange(pick() * deg));
  const lw = Float64Array.from({ length: n }, () => 2 * r.normal());
  for (const [mine, core] of [
    [basinMasses(phi, psi), statePopulations(phi, psi)],
    [basinMasses(phi, psi, weightsFromLogw(lw)), statePopulations(phi, psi, lw)],
  ] as const) {
    for (const k of ['beta', 'alphaR', 'phiPositive', 'c7axAlphaL'] as const)
      assert.ok(Math.abs(mine[k] - core[k]) < 1e-12, `${k}: ${mine[k]} vs ${core[k]}`);
  }
});
