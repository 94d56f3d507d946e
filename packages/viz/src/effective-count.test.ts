/** Bins below the Kish effective-count threshold are never drawn as values: exact counts on constructed samples. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_EFFECTIVE_COUNT, histogram1d, histogram2d } from './binning.js';
import { freeEnergyProfile } from './profile.js';
import { SPARSE_COLOUR, ramachandran, ramachandranRows } from './plots/ramachandran.js';
import { freeEnergy1D } from './plots/free-energy-1d.js';
import { drawnDensity, histogramLayers } from './plots/histogram-layers.js';

/**
 * Four bins on [0, 4) with known Kish counts (Σw)²/Σw²:
 *   bin 0: 10 × w=1                 → 10        (drawn: exactly at the threshold)
 *   bin 1: 1 × w=100 and 20 × w=1   → 120²/10020 = 1.4371…  (not drawn)
 *   bin 2: 9 × w=5                  → 9         (not drawn)
 *   bin 3: 20 × w=1 and 20 × w=3    → 80²/200 = 32 (drawn)
 */
function constructed(): { values: number[]; weights: number[] } {
  const values: number[] = [];
  const weights: number[] = [];
  const add = (bin: number, count: number, w: number) => {
    for (let i = 0; i < count; i++) {
      values.push(bin + (i + 0.5) / (count + 1));
      weights.push(w);
    }
  };
  add(0, 10, 1);
  add(1, 1, 100);
  add(1, 20, 1);
  add(2, 9, 5);
  add(3, 20, 1);
  add(3, 20, 3);
  return { values, weights };
}
const KISH = [10, 14400 / 10020, 9, 32];

test('histogram1d and histogram2d: Kish effective counts per bin are exact, invariant to the weight scale', () => {
  assert.equal(MIN_EFFECTIVE_COUNT, 10);
  const { values, weights } = constructed();
  for (const scale of [1, 1e-7]) {
    const h = histogram1d(
      values,
      weights.map((w) => w * scale),
      0,
      4,
      4,
    );
    KISH.forEach((k, b) => assert.ok(Math.abs(h.effective[b]! - k) < 1e-9 * k, `bin ${b}: ${h.effective[b]} vs ${k}`));
  }
  assert.deepEqual(Array.from(histogram1d(values, undefined, 0, 4, 4).effective), [10, 21, 9, 40]);
  // The same layout along x, one row in y.
  const h2 = histogram2d(
    values,
    values.map(() => 0.5),
    weights,
    [0, 4],
    [0, 1],
    4,
    1,
  );
  KISH.forEach((k, b) => assert.ok(Math.abs(h2.effective[b]! - k) < 1e-9 * k));
});

test('freeEnergyProfile: bins below 10 effective samples are NaN in F and in the band; the rest are drawn', () => {
  const { values, weights } = constructed();
  const p = freeEnergyProfile(values, weights, 0, 4, 4, { resamples: 50 });
  assert.deepEqual(
    Array.from(p.F, (f) => Number.isNaN(f)),
    [false, true, true, false],
  );
  assert.ok(Number.isNaN(p.lower[1]!) && Number.isNaN(p.upper[2]!));
  // Exact values of the drawn bins: p ∝ Σw, bin 3 holds 80 of the 190 total against bin 0's 10.
  assert.ok(Math.abs(p.F[3]! - 0) < 1e-12);
  assert.ok(Math.abs(p.F[0]! - Math.log(80 / 10)) < 1e-12);
  assert.ok(p.lower[0]! <= p.F[0]! && p.F[0]! <= p.upper[0]!);
});

test('ramachandranRows: the constructed sparse bins are grey (F null), never coloured; the densest drawn bin is 0', () => {
  const { values, weights } = constructed();
  // Bins of 90°: map the four bins onto φ ∈ [−180, 180), ψ in one row.
  const phi = values.map((v) => -180 + 90 * v);
  const psi = values.map(() => 10);
  const h = histogram2d(phi, psi, weights, [-180, 180], [-180, 180], 4, 4);
  const rows = ramachandranRows([h], ['model, reweighted'], 10);
  assert.equal(rows.length, 4);
  assert.deepEqual(
    rows.map((r) => r.F === null),
    [false, true, true, false],
  );
  assert.ok(Math.abs(rows[3]!.F!) < 1e-12);
  assert.ok(Math.abs(rows[0]!.F! - Math.log(8)) < 1e-3);
});

test('ramachandran and freeEnergy1D SVGs: a lone tiny-weight sample draws no value', async () => {
  // 400 samples near (−70°, 140°) with weight 1, and one at (60°, 60°) with weight 1e-12: the old plot
  // drew that bin at ≈ 28 kT; now it is grey in 2-D and a gap in 1-D.
  const n = 400;
  const rad = Math.PI / 180;
  const phi = Array.from({ length: n + 1 }, (_, i) => (i < n ? (-70 + (i % 20) * 0.3) * rad : 60 * rad));
  const psi = Array.from({ length: n + 1 }, (_, i) => (i < n ? (140 + Math.floor(i / 20) * 0.3) * rad : 60 * rad));
  const weights = phi.map((_, i) => (i < n ? 1 : 1e-12));
  const svg = await ramachandran({ model: { phi, psi, weights } });
  assert.ok(svg.includes(SPARSE_COLOUR), 'the lone sample shows as a grey cell');
  const svg1 = await freeEnergy1D({ angle: 'phi', model: { phi, psi, weights }, resamples: 20 });
  assert.ok(svg1.includes('fewer than 10 effective samples'));
  const p = freeEnergyProfile(
    phi.map((v) => v / rad),
    weights,
    -180,
    180,
    72,
    { resamples: 0 },
  );
  assert.ok(Number.isNaN(p.F[48]!), `the bin of φ = 60° is not drawn: ${p.F[48]}`);
  assert.equal(p.effective[48], 1);
  assert.equal(p.F.filter((f) => !Number.isNaN(f)).length, 2, 'only the two populated bins near −70° are drawn');
});

test('histogramLayers (marginals, energies): bars and outlines leave out the bins below 10 effective samples', () => {
  const { values, weights } = constructed();
  const raw = histogram1d(values, undefined, 0, 4, 4);
  const rw = histogram1d(values, weights, 0, 4, 4);
  assert.deepEqual(
    [0, 1, 2, 3].map((b) => drawnDensity(rw, b) === null),
    [false, true, true, false],
  );
  // Unweighted, bin 2 holds 9 samples: below the threshold too.
  assert.deepEqual(
    [0, 1, 2, 3].map((b) => drawnDensity(raw, b) === null),
    [false, false, true, false],
  );
  const layers = histogramLayers(
    [
      { name: 'raw', h: raw },
      { name: 'rw', h: rw },
    ],
    { field: 'x' },
    'density',
    {},
  ) as Array<{ data: { values: Array<{ density: number | null }> } }>;
  assert.deepEqual(
    layers[0]!.data.values.map((r) => r.density === null),
    [false, false, true, false],
  );
  assert.deepEqual(
    layers[1]!.data.values.map((r) => r.density === null),
    [false, true, true, false, false],
  );
});

test('freeEnergy1D: a drawn bin between two gaps shows its interval as a bar, since a band needs neighbours', async () => {
  const rad = Math.PI / 180;
  // 200 samples spread over −100°…−80° and 30 inside the one bin [60°, 65°).
  const phi = [
    ...Array.from({ length: 200 }, (_, i) => (-100 + 0.1 * i) * rad),
    ...Array.from({ length: 30 }, (_, i) => (61 + 0.1 * i) * rad),
  ];
  const svg = await freeEnergy1D({ angle: 'phi', model: { phi, psi: phi.map(() => 0) }, resamples: 20 });
  const bars = [...svg.matchAll(/<line aria-label="φ \(°\): ([^;]+); lo: ([^;]+); hi: ([^;]+);[^"]*"[^>]*rule mark/g)];
  assert.deepEqual(
    bars.map((m) => m[1]),
    ['62.5'],
  );
  assert.ok(Number(bars[0]![2]) < Number(bars[0]![3]));
});
