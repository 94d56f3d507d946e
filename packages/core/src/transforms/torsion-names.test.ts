import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPdb } from '../io/pdb.js';
import { loadSystemJson } from '../system/system-json.js';
import { buildZMatrix, createInternalCoordinateTransform } from './z-matrix.js';
import { backboneTorsions, methylRotorTorsions } from './torsion-names.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'nx.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

test('torsion names: alanine dipeptide has one φ, one ψ and three methyl rotors, each placing a hydrogen on a methyl carbon', () => {
  const ala = join(repoRoot(), 'examples', 'alanine-dipeptide');
  const pdb = readPdb(join(ala, 'ala2.pdb'));
  const topology = { atoms: pdb.atoms, bonds: loadSystemJson(join(ala, 'system-vacuum.json')).bonds };
  const { names } = createInternalCoordinateTransform({ nAtoms: 22, zMatrix: buildZMatrix(topology), topology });
  const { phi, psi } = backboneTorsions(names);
  assert.equal(phi.length, 1);
  assert.equal(psi.length, 1);
  const rotors = methylRotorTorsions(names);
  assert.equal(rotors.length, 3, rotors.map((i) => names[i]).join('; '));
  for (const i of rotors) assert.match(names[i]!, /^torsion [^H][^-]*-[^-]+-[^-]+-H/, names[i]);
  assert.ok(!rotors.includes(phi[0]!) && !rotors.includes(psi[0]!));
});

test('torsion names: no matches give empty lists (callers word their own errors)', () => {
  assert.deepEqual(backboneTorsions(['bond A-B', 'torsion A-B-C-D']), { phi: [], psi: [] });
  assert.deepEqual(methylRotorTorsions(['bond C1-H1', 'bond C1-H2', 'torsion X-Y-C1-H1']), []);
});
