/**
 * `evaluate --reference` reads compact MD series (tools/md-series.mjs): files concatenated as runs,
 * --skip/--stride per file, and a series of another system refused by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { formatMdSeries, loadSystemJson } from '@embedcg/core/molecules';
import { isSeriesPath, readReferenceSeries } from '../packages/cli/dist/reference-series.js';
import { assertCleanError, repoRoot, runCli, tempDir } from './support.mjs';

const s = loadSystemJson(join(repoRoot, 'examples/alanine-tetrapeptide/system-obc2.json'));
const topology = { atoms: s.atoms, bonds: s.bonds };
const DEG = Math.PI / 180;

function series(n, offset, labels = ['ALA2', 'ALA3', 'ALA4']) {
  const t = Float64Array.from({ length: n }, (_, i) => i + 1);
  return formatMdSeries({
    timePs: t,
    energies: Float64Array.from(t, (v) => offset + v),
    residues: labels.map((label, r) => ({
      label,
      phi: Float64Array.from(t, (v) => (-170 + v + 10 * r) * DEG),
      psi: Float64Array.from(t, (v) => (100 - v) * DEG),
    })),
  });
}

test('MD series as --reference: runs concatenated, skip and stride per file, gzipped or not', (t) => {
  const dir = tempDir(t);
  const a = join(dir, 'seed1.csv.gz');
  const b = join(dir, 'seed2.csv');
  writeFileSync(a, gzipSync(series(10, 0)));
  writeFileSync(b, series(7, 100));
  assert.ok(isSeriesPath(a) && isSeriesPath(b) && !isSeriesPath('x.dcd'));
  const ref = readReferenceSeries([a, b], topology, { skip: 2, stride: 3 });
  // Frames 2, 5, 8 of the first file (times 3, 6, 9), 2, 5 of the second (times 3, 6).
  assert.deepEqual(ref.runLengths, [3, 2]);
  assert.equal(ref.n, 5);
  assert.deepEqual([...ref.energies], [3, 6, 9, 103, 106]);
  assert.equal(ref.angles.length, 3);
  const phi3 = [...ref.angles[2].phi].map((v) => Math.round(v / DEG));
  assert.deepEqual(phi3, [-147, -144, -141, -147, -144]);
});

test('a series of another peptide is refused naming both residue lists', (t) => {
  const f = join(tempDir(t), 'ala2.csv');
  writeFileSync(f, series(3, 0, ['ALA2']));
  assert.throws(
    () => readReferenceSeries([f], topology, { skip: 0, stride: 1 }),
    /ala2\.csv: a series of residues ALA2, but the run's system has ALA2, ALA3, ALA4; the series is of another system/,
  );
});

test('evaluate RUN --reference SERIES on a tetrapeptide run: every residue and the joint states', (t) => {
  const dir = tempDir(t);
  const run = join(dir, 'run');
  const config = join(repoRoot, 'examples/alanine-tetrapeptide-flow.json');
  const small = ['--set', 'training.batchSize=16', '--set', 'evaluation.samples=200', '--set', 'training.workers=1'];
  const trained = runCli(['train', config, '--out', run, '--no-progress', '--max-steps', '1', ...small]);
  assert.equal(trained.code, 0, trained.stderr);
  const ref = [join(dir, 'seed1.csv.gz'), join(dir, 'seed2.csv.gz')];
  ref.forEach((f, k) => writeFileSync(f, gzipSync(series(300, k))));
  const r = runCli(['evaluate', run, '-n', '300', '--reference', ...ref, '--skip', '10', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /molecular metrics against 580 reference frames from 2 file\(s\)/);
  const m = JSON.parse(r.stdout);
  assert.equal(m['mol.reference.frames'], 580);
  assert.equal(m['mol.residues.count'], 3);
  for (const res of ['ALA2', 'ALA3', 'ALA4'])
    for (const k of ['js32.raw', 'js64.raw', 'population.alphaR.reference', 'deltaF.modelRawKT'])
      assert.ok(`mol.residue.${res}.${k}` in m, `mol.residue.${res}.${k}`);
  assert.ok(m['mol.joint.states'] >= 1);
  assert.ok(Number.isFinite(m['mol.energy.w1RawKT']));
  assert.ok(!('mol.rg.w1RawNm' in m), 'no radius of gyration without reference coordinates');
  const mixed = runCli(['evaluate', run, '--reference', ref[0], join(dir, 'x.dcd')]);
  assert.match(
    assertCleanError(mixed, 2),
    /give trajectories \(\.dcd\/\.pdb\) or MD series \(\.csv\/\.csv\.gz\), not both/,
  );
});
