/**
 * `prepare --sequence`: a capped peptide built from ideal internal coordinates (hydrogens from
 * OpenMM's Modeller, always minimised) whose system.json the native engine evaluates as OpenMM does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertCleanError, runCli, tempDir } from './support.mjs';

const hasOpenMM = spawnSync('/usr/bin/python3', ['-c', 'import openmm'], { stdio: 'ignore' }).status === 0;
const skip = !hasOpenMM && !process.env.EMBEDCG_REQUIRE_OPENMM ? 'OpenMM is not installed' : false;
const FF = ['--forcefield', 'amber96.xml', 'amber96_obc.xml'];
const SUPPORTED = 'ALA ARG ASN ASP CYS GLN GLU GLY ILE LEU LYS MET PHE SER THR TYR VAL'.split(' ');

function prepare(t, sequence, timeout = 120_000) {
  const dir = tempDir(t);
  const out = join(dir, 'system.json');
  const pdb = join(dir, 'peptide.pdb');
  const r = runCli(['prepare', '--sequence', sequence, ...FF, '--out', out, '--out-pdb', pdb], { timeout });
  assert.equal(r.code, 0, r.stderr);
  return { out, pdb, stderr: r.stderr };
}

function readAtoms(pdb) {
  return readFileSync(pdb, 'utf8')
    .split('\n')
    .filter((l) => /^(ATOM|HETATM)/.test(l))
    .map((l) => ({
      name: l.slice(12, 16).trim(),
      res: l.slice(17, 20).trim(),
      resSeq: Number(l.slice(22, 26)),
      x: [30, 38, 46].map((c) => Number(l.slice(c, c + 8))),
    }));
}

const sub = (a, b) => a.map((v, i) => v - b[i]);
const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const dist = (a, b) => Math.sqrt(dot(sub(a, b), sub(a, b)));
function dihedralDeg(p0, p1, p2, p3) {
  const b0 = sub(p1, p0);
  const b1 = sub(p2, p1);
  const b2 = sub(p3, p2);
  const n1 = cross(b0, b1);
  const n2 = cross(b1, b2);
  const m = cross(n1, b1);
  return (Math.atan2(dot(m, n2) / Math.sqrt(dot(b1, b1)), dot(n1, n2)) * 180) / Math.PI;
}

/** Backbone geometry: bonds near ideal, every peptide bond trans, every CB on the L side. */
function checkBackbone(atoms) {
  const residues = [...new Set(atoms.map((a) => a.resSeq))].map((s) => {
    const byName = {};
    for (const a of atoms.filter((b) => b.resSeq === s)) byName[a.name] = a;
    return byName;
  });
  for (let i = 0; i + 1 < residues.length; i++) {
    const cur = residues[i];
    const next = residues[i + 1];
    const ca = cur.CA ?? cur.CH3;
    const d = dist(cur.C.x, next.N.x);
    assert.ok(d > 1.28 && d < 1.4, `C-N peptide bond ${i + 1}: ${d} Å`);
    const omega = dihedralDeg(ca.x, cur.C.x, next.N.x, (next.CA ?? next.C).x);
    assert.ok(Math.abs(omega) > 160, `ω ${i + 1} = ${omega}°, expected trans`);
    if (cur.CA) {
      assert.ok(Math.abs(dist(cur.N.x, cur.CA.x) - 1.46) < 0.05, `N-CA ${cur.CA.res}`);
      assert.ok(Math.abs(dist(cur.CA.x, cur.C.x) - 1.52) < 0.05, `CA-C ${cur.CA.res}`);
      assert.ok(Math.abs(dist(cur.C.x, cur.O.x) - 1.23) < 0.04, `C=O ${cur.CA.res}`);
    }
    if (cur.CB) {
      const chir = dot(cross(sub(cur.N.x, cur.CA.x), sub(cur.C.x, cur.CA.x)), sub(cur.CB.x, cur.CA.x));
      assert.ok(chir > 0, `${cur.CA.res}${i + 1} is not the L form`);
    }
  }
}

function energies(system, pdb) {
  const e = {};
  for (const engine of ['native', 'openmm']) {
    const r = runCli(['energy', '--system', system, '--coords', pdb, '--engine', engine, '--json']);
    assert.equal(r.code, 0, r.stderr);
    e[engine] = JSON.parse(r.stdout).frames[0].energy;
  }
  return e;
}

test('prepare --sequence ACE-ALA-ALA-ALA-NME: 42 atoms, sane backbone, native energy = OpenMM', { skip }, (t) => {
  const { out, pdb, stderr } = prepare(t, 'ACE-ALA-ALA-ALA-NME');
  assert.match(stderr, /42 atoms, .* GB obc2\) and .*peptide\.pdb; minimised energy -?\d+\.\d+ kJ\/mol/);
  const atoms = readAtoms(pdb);
  assert.equal(atoms.length, 42);
  assert.deepEqual([...new Set(atoms.map((a) => `${a.resSeq}${a.res}`))], ['1ACE', '2ALA', '3ALA', '4ALA', '5NME']);
  checkBackbone(atoms);
  const e = energies(out, pdb);
  assert.ok(Math.abs(e.native - e.openmm) < 1e-6 * Math.max(1, Math.abs(e.openmm)), JSON.stringify(e));
  const minimised = Number(/minimised energy (-?\d+\.\d+)/.exec(stderr)[1]);
  // The PDB holds 1e-3 Å: its energy is the minimised one up to that rounding.
  assert.ok(Math.abs(e.openmm - minimised) < 0.2, `PDB energy ${e.openmm} vs minimised ${minimised}`);
});

test('prepare --sequence builds every supported residue, all L, trans and evaluated alike', { skip }, (t) => {
  const { out, pdb } = prepare(t, `ACE-${SUPPORTED.join('-')}-NME`, 400_000);
  const atoms = readAtoms(pdb);
  assert.deepEqual([...new Set(atoms.map((a) => `${a.resSeq}`))].length, SUPPORTED.length + 2);
  checkBackbone(atoms);
  const e = energies(out, pdb);
  assert.ok(Math.abs(e.native - e.openmm) < 1e-6 * Math.abs(e.openmm), JSON.stringify(e));
});

test(
  'prepare --sequence refuses unknown residues, missing caps and unknown force-field files (exit 2)',
  { skip },
  (t) => {
    const out = join(tempDir(t), 'x.json');
    const run = (seq, ff = FF) => assertCleanError(runCli(['prepare', '--sequence', seq, ...ff, '--out', out]), 2);
    assert.match(
      run('ACE-ALA-XYZ-NME'),
      /residue 3 "XYZ" is not supported; supported: ALA, ARG, .*VAL, capped with ACE and NME/,
    );
    assert.match(run('ALA-ALA-NME'), /"ALA-ALA-NME": a peptide must start with the cap ACE and end with the cap NME/);
    assert.match(run('ACE-ALA'), /must start with the cap ACE and end with the cap NME/);
    assert.match(run('ACE-NME-ALA-NME'), /residue 2 "NME" is not supported/);
    const bad = run('ACE-ALA-NME', ['--forcefield', 'amber96.xml', 'no-such-ff.xml']);
    assert.match(bad, /force-field file "no-such-ff\.xml" is not known to OpenMM/);
    assert.match(run('ACE-ALA-NME', []), /--sequence needs --forcefield/);
  },
);
