/**
 * tools/md-series.mjs turns `embedcg md` output into a compact series: φ/ψ from the DCD agree with
 * the ones OpenMM's side wrote to the energies CSV, the energies are the CSV's, rounded as written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseMdSeries } from '@embedcg/core/molecules';
import { repoRoot, runCli, tempDir } from './support.mjs';

const hasOpenMM = spawnSync('/usr/bin/python3', ['-c', 'import openmm'], { stdio: 'ignore' }).status === 0;
const skip = !hasOpenMM && !process.env.EMBEDCG_REQUIRE_OPENMM ? 'OpenMM is not installed' : false;
const ex = join(repoRoot, 'examples/alanine-tetrapeptide');

test('md-series: a tetrapeptide MD run becomes φ/ψ per residue + energy per frame', { skip }, (t) => {
  const dir = tempDir(t);
  const dcd = join(dir, 'run.dcd');
  const md = runCli([
    'md',
    '--system-json',
    join(ex, 'system-obc2.json'),
    '--coords',
    join(ex, 'ala4.pdb'),
    '--temperature',
    '330',
    '--steps',
    '3000',
    '--interval',
    '500',
    '--seed',
    '5',
    '--out',
    dcd,
  ]);
  assert.equal(md.code, 0, md.stderr);
  const out = join(dir, 'run.csv.gz');
  const r = spawnSync(process.execPath, [join(repoRoot, 'tools/md-series.mjs'), dcd, out, '--note', 'a test'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const s = parseMdSeries(gunzipSync(readFileSync(out)).toString('utf8'), out);
  assert.deepEqual(s.comments, ['from run.dcd: 6 frames, 500 steps apart', 'a test']);
  assert.deepEqual(
    s.residues.map((x) => x.label),
    ['ALA2', 'ALA3', 'ALA4'],
  );
  const rows = readFileSync(join(dir, 'run.energies.csv'), 'utf8').trim().split('\n');
  const head = rows[0].split(',');
  assert.equal(rows.length - 1, 6);
  rows.slice(1).forEach((row, i) => {
    const v = row.split(',').map(Number);
    assert.equal(s.timePs[i], v[head.indexOf('time_ps')]);
    assert.ok(Math.abs(s.energies[i] - v[head.indexOf('potential_kJmol')]) <= 0.005 + 1e-9);
    for (const res of s.residues)
      for (const k of ['phi', 'psi']) {
        const deg = v[head.indexOf(`${k}_deg_${res.label}`)];
        let d = Math.abs((res[k][i] * 180) / Math.PI - deg);
        d = Math.min(d, 360 - d);
        assert.ok(d <= 0.051, `${k} ${res.label} frame ${i}: ${(res[k][i] * 180) / Math.PI} vs ${deg}`);
      }
  });
});
