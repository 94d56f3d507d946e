import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { structureFrames, framesToPdb } from './structure-frames.js';
import { alanineTopology, makeRng, tmpDir } from './test-support/fixtures.js';

function samplesOf(n: number) {
  const { topology, positions } = alanineTopology();
  const rng = makeRng(3);
  const d = positions.length;
  const all = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) all[i * d + k] = positions[k]! + 0.01 * rng.normal();
  return { topology, samples: { positions: all, n, dimension: d, energies: new Float64Array(n).fill(-50), beta: 0.4 } };
}

test('structureFrames picks evenly strided finite frames in Å', () => {
  const { topology, samples } = samplesOf(120);
  samples.positions[0] = NaN; // sample 0 must be skipped
  const f = structureFrames(samples, topology, 30);
  assert.equal(f.coordinates.length, 29);
  assert.equal(f.sampleIndex[0], 4);
  assert.ok(Math.abs(f.coordinates[0]![5]! - samples.positions[4 * 66 + 5]! * 10) < 1e-3);
  assert.deepEqual(f.reducedEnergy?.[0], -20);
  assert.throws(
    () => structureFrames({ ...samples, dimension: 60, positions: new Float64Array(120 * 60) }, topology),
    /samples\.dimension is 60 but the topology has 22 atoms/,
  );
  assert.throws(() => structureFrames(samples, { ...topology, bonds: [[0, 22]] }), /topology\.bonds\[0\] = \[0, 22\]/);
});

test('framesToPdb writes fixed-column ATOM records that mdtraj reads back', (t) => {
  const { topology, samples } = samplesOf(5);
  const frames = structureFrames(samples, topology, 5);
  const pdb = framesToPdb(frames);
  const atomLines = pdb.split('\n').filter((l) => l.startsWith('ATOM'));
  assert.equal(atomLines.length, 5 * 22);
  for (const l of atomLines) assert.equal(l.length, 78);
  // Column positions of the PDB format: x in 31–38, element in 77–78.
  assert.equal(Number(atomLines[1]!.slice(30, 38)), frames.coordinates[0]![3]);
  assert.equal(atomLines[1]!.slice(76, 78).trim(), 'C');
  assert.equal(atomLines[1]!.slice(12, 16), ' CH3');
  assert.equal(atomLines[0]!.slice(12, 16), '1HH3');
  const dir = tmpDir();
  const file = join(dir, 'frames.pdb');
  writeFileSync(file, pdb);
  const py = [
    'import sys, json, mdtraj',
    't = mdtraj.load_pdb(sys.argv[1])',
    'print(json.dumps({"frames": t.n_frames, "atoms": t.n_atoms, "xyz": t.xyz[2].ravel().tolist(), "bonds": sorted(set(tuple(sorted([b[0].index, b[1].index])) for b in t.topology.bonds)), "residues": [r.name for r in t.topology.residues]}))',
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', py, file], { encoding: 'utf8' });
  if (r.error || (r.status !== 0 && /No module named 'mdtraj'/.test(r.stderr))) {
    if (process.env['EMBEDCG_REQUIRE_OPENMM'] === '1') assert.fail(`mdtraj required but not available: ${r.stderr}`);
    t.skip(`mdtraj not available: ${r.error?.message ?? r.stderr.trim().split('\n').pop()}`);
    return;
  }
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as {
    frames: number;
    atoms: number;
    xyz: number[];
    bonds: number[][];
    residues: string[];
  };
  assert.equal(got.frames, 5);
  assert.equal(got.atoms, 22);
  assert.deepEqual(got.residues, ['ACE', 'ALA', 'NME']);
  got.xyz.forEach((v, k) => assert.ok(Math.abs(v * 10 - frames.coordinates[2]![k]!) < 2e-3, `coordinate ${k}`));
  const expected = topology.bonds
    .map((b) => [Math.min(b[0]!, b[1]!), Math.max(b[0]!, b[1]!)])
    .sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  // mdtraj adds template bonds of standard residues to the CONECT ones; the sets must agree.
  assert.deepEqual(got.bonds, expected);
});
