/**
 * The committed reference MD of alanine dipeptide (examples/alanine-dipeptide/reference): series
 * that parse, are long enough to score against, agree with each other as independent runs should,
 * and are what the benches read when no trajectory is there (tools/bench/alanine-reference.mjs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadSystemJson, parseMdSeries, statePopulations } from '@embedcg/core/molecules';
import { loadReferenceSeries, seriesDir } from '../tools/bench/alanine-reference.mjs';
import { repoRoot } from './support.mjs';

const files = readdirSync(seriesDir)
  .filter((f) => f.endsWith('.csv.gz'))
  .sort();
const runs = files.map((f) => parseMdSeries(gunzipSync(readFileSync(join(seriesDir, f))).toString('utf8'), f));

test('the dipeptide reference: independent runs of at least 20 ns each, a frame per ps, ALA2 only', () => {
  assert.ok(runs.length >= 2, `${files.length} series in ${seriesDir}`);
  for (const [k, s] of runs.entries()) {
    assert.deepEqual(
      s.residues.map((r) => r.label),
      ['ALA2'],
      files[k],
    );
    assert.ok(s.timePs.length >= 20_000, `${files[k]}: ${s.timePs.length} frames`);
    for (let i = 1; i < s.timePs.length; i += 997) assert.equal(s.timePs[i] - s.timePs[i - 1], 1, files[k]);
    // The energies are the prmtop system's at 330 K: a mean near −70 kJ/mol, never far above.
    const mean = s.energies.reduce((a, b) => a + b, 0) / s.energies.length;
    assert.ok(mean > -100 && mean < -40, `${files[k]}: mean energy ${mean}`);
  }
});

test('the runs agree on the basins as independent runs of one system should', () => {
  const pops = runs.map((s) => {
    const r = s.residues[0];
    return statePopulations(r.phi.subarray(100), r.psi.subarray(100));
  });
  for (const p of pops) {
    // Alanine dipeptide in OBC2 at 330 K: mostly β and αR, φ > 0 rare (about 0.5 %).
    assert.ok(p.beta + p.alphaR > 0.95, JSON.stringify(p));
    assert.ok(p.phiPositive > 5e-4 && p.phiPositive < 0.02, JSON.stringify(p));
  }
  for (const p of pops.slice(1)) assert.ok(Math.abs(p.beta - pops[0].beta) < 0.05, JSON.stringify(pops));
});

test('the benches read the committed series, runs concatenated after the skipped frames', () => {
  // ACE-ALA-NME as the example's system names it: the same residues as the shared prmtop's.
  const system = loadSystemJson(join(repoRoot, 'examples/alanine-dipeptide/system-obc2.json'));
  const ref = loadReferenceSeries({ atoms: system.atoms, bonds: system.bonds }, 100);
  assert.deepEqual(
    ref.runLengths,
    runs.map((s) => s.timePs.length - 100),
  );
  assert.equal(ref.n, ref.energies.length);
  assert.equal(ref.angles.length, 1);
  const last = runs.at(-1);
  const r = last.residues[0];
  assert.deepEqual(Array.from(ref.angles[0].phi.subarray(ref.n - 5)), Array.from(r.phi.subarray(r.phi.length - 5)));
  assert.deepEqual(Array.from(ref.energies.subarray(0, 3)), Array.from(runs[0].energies.subarray(100, 103)));
});
