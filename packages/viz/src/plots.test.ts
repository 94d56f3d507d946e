import { test } from 'node:test';
import assert from 'node:assert/strict';
import { svgToPng } from './render.js';
import {
  trainingCurves,
  potential2D,
  marginal,
  ramachandran,
  freeEnergy1D,
  latentSpace,
  decodedGrid,
  energyHistogram,
  emptyPlot,
} from './plots/index.js';
import { weightsFromLogw } from './binning.js';
import {
  checkSvg,
  decodePng,
  doubleWell,
  hasPngSignature,
  imageStats,
  makeRng,
  syntheticHistory,
} from './test-support/fixtures.js';

const rng = makeRng(42);
const N = 20000;
const deg = Math.PI / 180;
const phi = Float64Array.from({ length: N }, () => (-75 + 20 * rng.normal()) * deg);
const psi = Float64Array.from({ length: N }, (_, i) => ((i % 3 ? 150 : -40) + 20 * rng.normal()) * deg);
const refPhi = Float64Array.from({ length: N }, () => (-75 + 20 * rng.normal()) * deg);
const refPsi = Float64Array.from({ length: N }, (_, i) => ((i % 2 ? 150 : -40) + 20 * rng.normal()) * deg);
const weights = Float64Array.from({ length: N }, () => rng.uniform());

/**
 * Render, parse and rasterise one plot; check it is a real picture with the expected axis
 * titles (units included) and not blank.
 */
async function checkPlot(svg: string, mustContain: string[], minElements = 30): Promise<void> {
  const info = checkSvg(svg);
  assert.ok(info.elements >= minElements, `only ${info.elements} SVG elements`);
  const text = info.texts.join('\n');
  for (const s of mustContain) assert.ok(text.includes(s), `missing text "${s}" in: ${text.slice(0, 300)}`);
  const png = svgToPng(svg, { width: 800 });
  assert.ok(hasPngSignature(png), 'PNG signature');
  const img = decodePng(png);
  assert.equal(img.width, 800);
  assert.ok(Math.abs(img.height / img.width - info.height / info.width) < 0.01, 'aspect ratio kept');
  const stats = imageStats(img);
  assert.ok(stats.variance > 100, `image looks blank (luminance variance ${stats.variance})`);
  assert.ok(stats.inkFraction > 0.02, `too little drawn (${stats.inkFraction})`);
}

test('trainingCurves: four panels with labelled axes, long histories downsampled', async () => {
  const history = syntheticHistory(20000, 5);
  const t0 = performance.now();
  const svg = await trainingCurves(history);
  assert.ok(performance.now() - t0 < 5000, 'renders 20 000 steps in seconds');
  await checkPlot(svg, ['loss (kT)', 'β / β_target', 'ESS (fraction)', 'evaluations', 'training step']);
  // 4 panels of ≤ 1500 points: the SVG stays small however long the run.
  assert.ok(svg.length < 400_000, `SVG has ${svg.length} characters`);
});

test('trainingCurves without steps explains itself instead of failing', async () => {
  const svg = await trainingCurves([]);
  assert.ok(checkSvg(svg).texts.join(' ').includes('no training steps'));
});

test('potential2D: heat map in kT with contours and samples', async () => {
  const x = Array.from({ length: N }, () => (rng.uniform() < 0.5 ? -1 : 1) + 0.2 * rng.normal());
  const y = Array.from({ length: N }, () => 0.3 * rng.normal());
  const svg = await potential2D({
    energy: doubleWell,
    xRange: [-2, 2],
    yRange: [-1.5, 1.5],
    beta: 1,
    samples: { x, y },
  });
  await checkPlot(svg, ['x (nm)', 'y (nm)', 'βU − min', '(kT)', '3000 shown'], 1000);
  await assert.rejects(
    potential2D({ energy: () => NaN, xRange: [0, 1], yRange: [0, 1], beta: 1 }),
    /energy\(.*\) is NaN/,
  );
});

test('marginal: raw, reweighted and exact', async () => {
  const values = Array.from({ length: N }, () => rng.normal());
  const xs = Array.from({ length: 101 }, (_, i) => -4 + 0.08 * i);
  const svg = await marginal({
    values,
    weights,
    exact: { x: xs, density: xs.map((v) => Math.exp((-v * v) / 2)) },
    label: 'x',
    unit: 'nm',
  });
  await checkPlot(svg, ['x (nm)', 'probability density (1/nm)', 'exact', 'reweighted']);
  await assert.rejects(
    marginal({ values: [1, 2], weights: [1], label: 'x', unit: 'nm' }),
    /marginal\(x\)\.weights: 1 weights for 2 values/,
  );
  await assert.rejects(marginal({ values: [1, 2], weights: [1, -1], label: 'x', unit: 'nm' }), /weight 1 is -1/);
});

test('ramachandran: three panels on one colour scale, angles in degrees', async () => {
  const svg = await ramachandran({ model: { phi, psi, weights }, reference: { phi: refPhi, psi: refPsi } });
  await checkPlot(
    svg,
    ['φ (°)', 'ψ (°)', 'model, raw', 'model, reweighted', 'reference', '(kT)', '-180', '180'].map((s) =>
      s.replace('-', '−'),
    ),
    500,
  );
  // One shared colour legend, not one per panel.
  assert.equal(svg.match(/role-legend"/g)?.length ?? 0, 1);
  await assert.rejects(ramachandran({ model: { phi: [0], psi: [0, 1] } }), /1 φ values but 2 ψ values/);
});

test('freeEnergy1D along φ and ψ', async () => {
  for (const angle of ['phi', 'psi'] as const) {
    const svg = await freeEnergy1D({ angle, model: { phi, psi, weights }, reference: { phi: refPhi, psi: refPsi } });
    await checkPlot(svg, [`${angle === 'phi' ? 'φ' : 'ψ'} (°)`, 'free energy (kT)', 'reference']);
  }
});

test('latentSpace: 2-D scatter and 1-D stacked histogram by state', async () => {
  const states = Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 'αR' : 'β/C7eq'));
  const latent = new Float64Array(2 * N);
  for (let i = 0; i < N; i++) {
    latent[2 * i] = (states[i] === 'αR' ? 1 : -1) + 0.3 * rng.normal();
    latent[2 * i + 1] = 0.3 * rng.normal();
  }
  const svg2 = await latentSpace({ latent, latentDim: 2, state: states });
  await checkPlot(svg2, ['z₁ (dimensionless)', 'z₂ (dimensionless)', 'αR', 'β/C7eq', '4000 shown'], 1000);
  const svg1 = await latentSpace({ latent: latent.filter((_, k) => k % 2 === 0), latentDim: 1, state: states });
  await checkPlot(svg1, ['z (dimensionless)', 'samples per bin (count)', 'αR']);
  await assert.rejects(latentSpace({ latent, latentDim: 2, state: ['a'] }), /1 state labels for 20000 latent points/);
});

test('decodedGrid: 1-D line and 2-D grid', async () => {
  const z = Array.from({ length: 40 }, (_, i) => -3 + (6 * i) / 39);
  await checkPlot(await decodedGrid({ z, phi: z.map((v) => -1.3 + 0.2 * v), psi: z.map((v) => 2.6 - v) }), [
    'z (dimensionless)',
    'dihedral angle (°)',
    'φ',
    'ψ',
  ]);
  const z1: number[] = [];
  const z2: number[] = [];
  for (let i = 0; i < 15; i++)
    for (let j = 0; j < 15; j++) {
      z1.push(-2 + (4 * i) / 14);
      z2.push(-2 + (4 * j) / 14);
    }
  await checkPlot(
    await decodedGrid({ z1, z2, phi: z1.map((v) => v), psi: z2.map((v) => -v) }),
    ['z₁ (dimensionless)', 'z₂ (dimensionless)', '(°)'],
    400,
  );
  await assert.rejects(decodedGrid({ z: [1, 2], phi: [1], psi: [1, 2] }), /phi has 1 values, expected 2/);
});

test('energyHistogram: outliers and infinities do not squash the range and are reported', async () => {
  const model = Float64Array.from({ length: N }, (_, i) => (i % 200 === 0 ? 1e7 : -30 + 4 * rng.normal()));
  model[1] = Infinity;
  const reference = Float64Array.from({ length: N }, () => -32 + 4 * rng.normal());
  const svg = await energyHistogram({
    model,
    weights: weightsFromLogw(Array.from(model, (u) => (Number.isFinite(u) ? -u * 1e-3 : -Infinity))),
    reference,
  });
  await checkPlot(svg, [
    'reduced energy βU (kT)',
    'probability density (1/kT)',
    'model, raw: 100 beyond the range, 1 infinite',
  ]);
  const info = checkSvg(svg);
  // Tick labels stay within a few tens of kT of the bulk, not at 1e7.
  const ticks = info.texts.map((t) => Number(t.replace('−', '-').replace(/,/g, ''))).filter((v) => Number.isFinite(v));
  assert.ok(Math.max(...ticks) < 100, `axis reaches ${Math.max(...ticks)}`);
});

test('emptyPlot and svgToPng default size', async () => {
  const svg = await emptyPlot('Nothing', 'no data yet');
  const png = svgToPng(svg);
  const img = decodePng(png);
  assert.equal(img.width, 2 * checkSvg(svg).width);
});
