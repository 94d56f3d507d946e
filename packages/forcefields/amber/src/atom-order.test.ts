// A PDB given as `coordinates` must list the atoms in the topology's order: the project's own
// ala2.pdb (OpenMM's order) against the shared prmtop gave 2879.66 kJ/mol as if nothing were wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createAmberForceField } from './force-field.js';
import { readPrmtop } from './prmtop.js';
import { prmtopToSystem } from './prmtop-to-system.js';
import { prmtopTopology } from './prmtop-topology.js';
import { alaPdb, alaPrmtop, repoRoot } from './openmm-ref.test.util.js';
import { formatDcd, readPdb } from '@embedcg/core/molecules';

const examples = join(repoRoot, 'examples', 'alanine-dipeptide');
const ala2Pdb = join(examples, 'ala2.pdb');

/** ala2.pdb with its ATOM/HETATM lines in the order `order` (indices into the file's atoms). */
function reordered(order: number[]): string {
  const lines = readFileSync(ala2Pdb, 'utf8').split('\n');
  const atomLines = lines.flatMap((l, k) => (/^(ATOM|HETATM)/.test(l) ? [k] : []));
  const out = lines.slice();
  order.forEach((from, to) => (out[atomLines[to]!] = lines[atomLines[from]!]!));
  return out.join('\n');
}

function withPdb(text: string, body: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-order-'));
  try {
    const path = join(dir, 'x.pdb');
    writeFileSync(path, text);
    body(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const identity = Array.from({ length: 22 }, (_, i) => i);

test("ala2.pdb in OpenMM's order is refused against the shared prmtop, naming the first mismatch", () => {
  assert.throws(
    () => createAmberForceField({ prmtop: alaPrmtop, coordinates: ala2Pdb, workers: 1 }),
    /ala2\.pdb: atom 0 is C \(CH3, residue 1 ACE\) here but H \(HH31, residue 1 ACE\) in .*alanine-dipeptide-implicit\.prmtop \(elements differ\): the file lists the atoms in another order/,
  );
});

test('ala2.pdb put in the prmtop order is accepted (H1 for HH31, C for CH3 of NME) and gives about −170.4 kJ/mol', async () => {
  // The prmtop lists the ACE methyl hydrogen HH31 before the carbon CH3; the rest is in the same order.
  const order = [1, 0, ...identity.slice(2)];
  withPdb(reordered(order), (path) => {
    const ff = createAmberForceField({ prmtop: alaPrmtop, coordinates: path, solvent: 'obc2', workers: 1 });
    const e = ff.evaluateSync(ff.initialPositions!, 1, { energiesOnly: true }).energies[0]!;
    assert.ok(Math.abs(e - -170.41) < 0.01, `energy ${e}`);
  });
  // The shared PDB (PDB v2 names 1HH3, 1HB) and ala2.pdb against its own system.json are accepted too.
  createAmberForceField({ prmtop: alaPrmtop, coordinates: alaPdb, workers: 1 });
  createAmberForceField({ system: join(examples, 'system-obc2.json'), coordinates: ala2Pdb, workers: 1 });
});

test('ala2.pdb with two atoms swapped is refused against its own system.json', () => {
  const system = join(examples, 'system-obc2.json');
  // H (on N) and HA (on CA) of ALA: same element, other names, other places.
  const swapped = identity.slice();
  [swapped[7], swapped[9]] = [9, 7];
  withPdb(reordered(swapped), (path) =>
    assert.throws(
      () => createAmberForceField({ system, coordinates: path, workers: 1 }),
      /x\.pdb: atom 7 is H \(HA, residue 2 ALA\) here but H \(H, residue 2 ALA\) in .*system-obc2\.json \(names differ, and the hydrogen is not on the heavy atom/,
    ),
  );
  // N and CA: other elements.
  const heavy = identity.slice();
  [heavy[6], heavy[8]] = [8, 6];
  withPdb(reordered(heavy), (path) =>
    assert.throws(
      () => createAmberForceField({ system, coordinates: path, workers: 1 }),
      /x\.pdb: atom 6 is C \(CA, residue 2 ALA\) here but N \(N, residue 2 ALA\) in .*\(elements differ\)/,
    ),
  );
});

test('prmtopTopology gives the atoms and bonds of prmtopToSystem, without building the parameters', () => {
  const p = readPrmtop(alaPrmtop);
  const top = prmtopTopology(p);
  const system = prmtopToSystem(p);
  assert.deepEqual(top.atoms, system.atoms);
  assert.deepEqual(top.bonds, system.bonds);
  assert.equal(top.atoms.length, 22);
  assert.equal(top.bonds.length, 21);
  assert.deepEqual(
    top.atoms.slice(0, 2).map((a) => [a.name, a.element, a.residueName]),
    [
      ['HH31', 'H', 'ACE'],
      ['CH3', 'C', 'ACE'],
    ],
  );
});

test('a DCD as coordinates is checked by the PDB beside it (as md and sample write them), naming that PDB', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedcg-order-'));
  try {
    // ala2.pdb's coordinates in its own (OpenMM) order, with ala2.pdb beside the DCD.
    const pdb = readPdb(ala2Pdb);
    const dcd = join(dir, 'traj.dcd');
    writeFileSync(dcd, formatDcd(pdb.positions.subarray(0, 66), 22));
    writeFileSync(join(dir, 'traj.pdb'), readFileSync(ala2Pdb));
    assert.throws(
      () => createAmberForceField({ prmtop: alaPrmtop, coordinates: dcd, workers: 1 }),
      /traj\.dcd: atom 0 is C \(CH3, residue 1 ACE\) in .*traj\.pdb but H \(HH31, residue 1 ACE\) in .*\.prmtop/,
    );
    // Against its own system it is accepted.
    createAmberForceField({ system: join(examples, 'system-obc2.json'), coordinates: dcd, workers: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
