import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { parsePdb, formatPdb, readPdb, writePdb } from './pdb.js';
import type { MolecularFrames } from './frames.js';

function sharedDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'nx.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return process.env.EMBEDCG_SHARED ?? join(dir, '..', 'shared');
}
const alaPdb = join(sharedDir(), 'data', 'alanine-dipeptide', 'alanine-dipeptide-implicit.pdb');

/** Runs python code with mdtraj; returns undefined (or fails when required) when it is missing. */
function python(code: string, args: string[] = []): string | undefined {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import mdtraj, openmm'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    if (process.env.EMBEDCG_REQUIRE_OPENMM === '1')
      throw new Error(`OpenMM/mdtraj required but not available: ${probe.stderr || probe.error}`);
    return undefined;
  }
  const r = spawnSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

test('reads the alanine dipeptide PDB: atoms, residues, elements, Å→nm', () => {
  const f = readPdb(alaPdb);
  assert.equal(f.atoms.length, 22);
  assert.equal(f.nFrames, 1);
  assert.deepEqual([...new Set(f.atoms.map((a) => a.residueName))], ['ACE', 'ALA', 'NME']);
  assert.deepEqual(
    f.atoms.map((a) => a.residueIndex).filter((r, i, all) => i === 0 || r !== all[i - 1]),
    [0, 1, 2],
  );
  assert.equal(f.atoms[0]!.name, '1HH3');
  assert.equal(f.atoms[0]!.element, 'H');
  assert.equal(f.atoms[1]!.element, 'C');
  assert.equal(f.atoms.filter((a) => a.element === 'H').length, 12);
  assert.ok(Math.abs(f.positions[0]! - 0.2) < 1e-12 && Math.abs(f.positions[1]! - 0.1) < 1e-12);
  assert.ok(f.atoms.every((a) => a.mass > 0));
});

test('multi-model PDB round trip keeps names, residues and coordinates to 5e-5 nm', () => {
  const one = readPdb(alaPdb);
  const n = one.atoms.length;
  const frames: MolecularFrames = { atoms: one.atoms, nFrames: 3, positions: new Float64Array(3 * n * 3) };
  for (let f = 0; f < 3; f++)
    for (let k = 0; k < n * 3; k++) frames.positions[f * n * 3 + k] = one.positions[k]! + 0.01 * f * Math.sin(k);
  const back = parsePdb(
    formatPdb(frames, {
      bonds: [
        [0, 1],
        [1, 2],
      ],
    }),
  );
  assert.equal(back.nFrames, 3);
  assert.deepEqual(
    back.atoms.map((a) => [a.name, a.residueName, a.residueIndex, a.element]),
    one.atoms.map((a) => [a.name, a.residueName, a.residueIndex, a.element]),
  );
  for (let k = 0; k < frames.positions.length; k++)
    assert.ok(Math.abs(back.positions[k]! - frames.positions[k]!) <= 5.0001e-5, `coordinate ${k}`);
  assert.deepEqual(back.bonds, [
    [0, 1],
    [1, 2],
  ]);
});

test('mdtraj reads our multi-model PDB with the same coordinates', (t) => {
  const one = readPdb(alaPdb);
  const n = one.atoms.length;
  const frames: MolecularFrames = { atoms: one.atoms, nFrames: 2, positions: new Float64Array(2 * n * 3) };
  for (let k = 0; k < n * 3; k++) {
    frames.positions[k] = one.positions[k]!;
    frames.positions[n * 3 + k] = one.positions[k]! + 0.05;
  }
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-pdb-'));
  try {
    const path = join(dir, 'two.pdb');
    writePdb(path, frames);
    const out = python(
      'import sys, json, mdtraj as md\nt = md.load(sys.argv[1])\nprint(json.dumps({"n": t.n_frames, "names": [a.name for a in t.topology.atoms], "res": [a.residue.name for a in t.topology.atoms], "xyz": t.xyz.reshape(-1).tolist()}))',
      [path],
    );
    if (out === undefined) {
      t.skip('OpenMM not available: /usr/bin/python3 cannot import mdtraj/openmm');
      return;
    }
    const r = JSON.parse(out) as { n: number; names: string[]; res: string[]; xyz: number[] };
    assert.equal(r.n, 2);
    assert.equal(r.res.length, n);
    assert.deepEqual(
      r.res,
      one.atoms.map((a) => a.residueName),
    );
    for (let k = 0; k < r.xyz.length; k++)
      assert.ok(Math.abs(r.xyz[k]! - frames.positions[k]!) < 1e-4, `coordinate ${k}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad PDB input names the file and the problem', () => {
  assert.throws(
    () => parsePdb('ATOM      1  CA  ALA A   1       1.000   2.0\n', 'bad.pdb'),
    /bad\.pdb: line 1: ATOM record is too short/,
  );
  assert.throws(
    () => parsePdb('ATOM      1  CA  ALA A   1       1.000   2.000   x.000\n', 'bad.pdb'),
    /bad\.pdb: line 1: unreadable coordinates/,
  );
  assert.throws(() => parsePdb('REMARK nothing\n', 'empty.pdb'), /empty\.pdb: no ATOM or HETATM/);
  const a = 'ATOM      1  CA  ALA A   1       1.000   2.000   3.000  1.00  0.00           C';
  const b = 'ATOM      2  CB  ALA A   1       1.000   2.000   4.000  1.00  0.00           C';
  assert.throws(
    () => parsePdb(['MODEL 1', a, b, 'ENDMDL', 'MODEL 2', a, 'ENDMDL'].join('\n'), 'models.pdb'),
    /models\.pdb: model 2 .* has 1 atoms, but model 1 has 2/,
  );
  assert.throws(
    () => readPdb(join(tmpdir(), 'does-not-exist-embedcg.pdb')),
    /does-not-exist-embedcg\.pdb: cannot read PDB file/,
  );
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-pdb-'));
  try {
    writeFileSync(join(dir, 'x.pdb'), a + '\n');
    assert.equal(readPdb(join(dir, 'x.pdb')).atoms[0]!.name, 'CA');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
