/**
 * The alanine report with a reference: the Ramachandran figure holds the model's panels and the
 * reference's side by side, and no bin whose Kish effective count is below 10 is drawn as a value,
 * checked cell by cell in the SVG against counts computed here from the samples.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plotJobs } from './report-plots.js';
import { weightsFromLogw } from './binning.js';
import { SPARSE_COLOUR } from './plots/ramachandran.js';
import { makeAlanineRun, makeRng, tmpDir } from './test-support/fixtures.js';

/** Kish count (Σw)²/Σw² of the samples in the 7.5° bin whose lower-left corner is (phi0, psi0) (degrees). */
function kish(
  phi: ArrayLike<number>,
  psi: ArrayLike<number>,
  w: ArrayLike<number> | undefined,
  phi0: number,
  psi0: number,
): number {
  let s = 0,
    s2 = 0;
  for (let i = 0; i < phi.length; i++) {
    const p = wrapped(phi[i]!),
      q = wrapped(psi[i]!);
    if (p >= phi0 && p < phi0 + 7.5 && q >= psi0 && q < psi0 + 7.5) {
      const wi = w ? w[i]! : 1;
      s += wi;
      s2 += wi * wi;
    }
  }
  return s2 > 0 ? (s * s) / s2 : 0;
}

/** Radians → degrees on [−180, 180). */
function wrapped(rad: number): number {
  return (((((rad * 180) / Math.PI + 180) % 360) + 360) % 360) - 180;
}

/** Cells of each facet panel, in panel order: lower-left corner, whether a value is drawn, fill. */
function panelCells(svg: string): Array<Array<{ phi: number; psi: number; value: boolean; fill: string }>> {
  // Each facet panel draws its value layer (child_layer_0) and then its grey layer (child_layer_1).
  const panels = svg.split('class="mark-rect role-mark child_layer_0_marks"').slice(1);
  return panels.map((part) =>
    [
      ...part.matchAll(
        /<path aria-label="φ \(°\): ([^;]+); ψ \(°\): ([^;]+);([^"]*)"[^>]*aria-roledescription="rect mark"[^>]*fill="([^"]+)"/g,
      ),
    ].map((m) => ({
      phi: Number(m[1]!.replace('−', '-')),
      psi: Number(m[2]!.replace('−', '-')),
      value: m[3]!.includes('F, (kT)'),
      fill: m[4]!,
    })),
  );
}

test('alanine report with a reference: panels side by side; every bin below 10 effective samples is grey, never a value', async () => {
  const data = makeAlanineRun(tmpDir(), 'ala', 600);
  // Heavy-tailed weights: a few samples carry most of the weight, as for a poorly trained model.
  const rng = makeRng(21);
  data.samples!.logw = Float64Array.from({ length: 600 }, () => 1.2 * rng.normal());
  const jobs = plotJobs(data);
  const job = jobs.find((j) => j.id === 'ramachandran')!;
  assert.match(job.caption, /model, raw \| model, reweighted \| reference/);
  const panels = panelCells(await job.svg());
  assert.equal(panels.length, 3, 'model raw, model reweighted and reference side by side');
  const w = weightsFromLogw(data.samples!.logw);
  const sets = [
    { ...data.dihedrals!.model, w: undefined },
    { ...data.dihedrals!.model, w },
    { ...data.dihedrals!.reference!, w: undefined },
  ];
  let grey = 0;
  panels.forEach((cells, k) => {
    assert.ok(cells.length > 0, `panel ${k} has cells`);
    const set = sets[k]!;
    for (const c of cells) {
      const n = kish(set.phi, set.psi, set.w, c.phi, c.psi);
      assert.ok(n > 0, `panel ${k}: a cell at (${c.phi}, ${c.psi}) holds no sample`);
      assert.equal(c.value, n >= 10 - 1e-9, `panel ${k}, bin (${c.phi}, ${c.psi}): Kish ${n}, value drawn: ${c.value}`);
      if (!c.value) {
        assert.equal(c.fill, SPARSE_COLOUR);
        grey++;
      }
    }
  });
  assert.ok(grey > 10, `the constructed weights leave sparse bins to check (${grey})`);
  // The reweighted panel has far fewer value cells than the raw one: its Kish counts are small.
  assert.ok(panels[1]!.filter((c) => c.value).length < panels[0]!.filter((c) => c.value).length);
});

test('alanine report: 1-D profiles overlay model and reference; points only where the bin has ≥ 10 effective samples', async () => {
  const data = makeAlanineRun(tmpDir(), 'ala', 600);
  const rng = makeRng(22);
  data.samples!.logw = Float64Array.from({ length: 600 }, () => 1.2 * rng.normal());
  const w = weightsFromLogw(data.samples!.logw);
  const job = plotJobs(data).find((j) => j.id === 'free-energy-phi')!;
  const svg = await job.svg();
  const points = [
    ...svg.matchAll(
      /aria-label="φ \(°\): ([^;]+); free energy \(kT\): ([^;]+); series: ([^"]+)"[^>]*aria-roledescription="point"/g,
    ),
  ];
  const series = new Set(points.map((m) => m[3]));
  assert.deepEqual([...series].sort(), ['model, raw', 'model, reweighted', 'reference']);
  for (const m of points) {
    const centre = Number(m[1]!.replace('−', '-'));
    const set = m[3] === 'reference' ? data.dihedrals!.reference! : data.dihedrals!.model;
    const weights = m[3] === 'model, reweighted' ? w : undefined;
    let s = 0,
      s2 = 0;
    for (let i = 0; i < set.phi.length; i++) {
      const p = wrapped(set.phi[i]!);
      if (p >= centre - 2.5 && p < centre + 2.5) {
        const wi = weights ? weights[i]! : 1;
        s += wi;
        s2 += wi * wi;
      }
    }
    assert.ok((s * s) / s2 >= 10 - 1e-9, `${m[3]} at φ = ${centre}: Kish ${(s * s) / s2} drawn as ${m[2]}`);
  }
});
