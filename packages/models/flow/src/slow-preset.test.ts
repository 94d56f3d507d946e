import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { buildZMatrix, internalCoordinateNames, loadSystemJson } from '@embedcg/core/molecules';
import { resolveSlowPreset } from './index.js';

const TETRA = fileURLToPath(new URL('../../../../examples/alanine-tetrapeptide/system-obc2.json', import.meta.url));

function tetrapeptideNames(): string[] {
  const s = loadSystemJson(TETRA);
  const top = { atoms: s.atoms, bonds: s.bonds };
  return internalCoordinateNames(buildZMatrix(top), top);
}

test('slow presets find φ and ψ of every residue of ACE-(ALA)3-NME, and its five methyl rotors', () => {
  const names = tetrapeptideNames();
  assert.equal(names.length, 120);
  const slow = resolveSlowPreset('phi-psi', names);
  assert.equal(slow.length, 6);
  // φ = C(i−1)–N–CA–C, ψ = N–CA–C–N(i+1) of residues 2, 3, 4, in either direction.
  const backbone = slow.map((i) =>
    names[i]!.slice(8)
      .split('-')
      .map((a) => a.replace(/:\d+$/, '')),
  );
  for (const atoms of backbone.slice(0, 3)) assert.ok(['C,N,CA,C', 'C,CA,N,C'].includes(atoms.join(',')), atoms.join());
  for (const atoms of backbone.slice(3)) assert.equal(atoms.join(','), 'N,CA,C,N');
  const cas = slow.map((i) => names[i]!.match(/CA:\d/)![0]);
  assert.deepEqual(cas, ['CA:2', 'CA:3', 'CA:4', 'CA:2', 'CA:3', 'CA:4']);
  const withMethyls = resolveSlowPreset('phi-psi-methyls', names);
  assert.deepEqual(withMethyls.slice(0, 6), slow);
  // ACE and NME methyls and the three alanine CB methyls.
  assert.equal(withMethyls.length, 11);
  for (const i of withMethyls.slice(6)) assert.match(names[i]!, /^torsion .*-(CH3|CB:\d|C:5)-H/);
});

test('a slow preset without backbone torsions, or with a residue missing one, is refused naming the coordinates', () => {
  assert.throws(
    () => resolveSlowPreset('phi-psi', ['bond C1-C2', 'torsion C1-C2-C3-C4', 'torsion C2-C3-C4-C5']),
    /option slow 'phi-psi': the transform has no torsion coordinate for φ \(C–N–CA–C\) and ψ \(N–CA–C–N\) among its 2 torsions .*: "torsion C1-C2-C3-C4", "torsion C2-C3-C4-C5"; list/,
  );
  const names = ['torsion C:1-N:2-CA:2-C:2', 'torsion N:2-CA:2-C:2-N:3', 'torsion C:2-N:3-CA:3-C:3'];
  assert.throws(
    () => resolveSlowPreset('phi-psi-methyls', names),
    /not every residue has both backbone torsions as coordinates \(CA:3: φ but no ψ; found φ "torsion C:1-N:2-CA:2-C:2", "torsion C:2-N:3-CA:3-C:3"; ψ "torsion N:2-CA:2-C:2-N:3"\)/,
  );
});
