import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPdb } from '../io/pdb.js';
import { loadSystemJson } from '../system/system-json.js';
import { buildZMatrix } from './z-matrix-from-bonds.js';
import { createInternalCoordinateTransform } from './internal-coordinates.js';
import { backboneTorsions, methylRotorTorsions, requireCoordinateNames } from './torsion-names.js';

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

test('requireCoordinateNames returns the names, or says which option needed them and what the transform gave', () => {
  const names = ['bond A-B', 'angle A-B-C'];
  assert.equal(requireCoordinateNames(names, 2, { who: 'm', option: 'x' }), names);
  assert.throws(
    () => requireCoordinateNames(undefined, 2, { who: 'm', option: "x 'y'" }),
    /^RangeError: m: option x 'y' needs a transform that names its 2 coordinates.*transform is absent$/,
  );
  assert.throws(
    () =>
      requireCoordinateNames(undefined, 2, {
        who: 'm',
        option: 'x',
        transformName: 'rigid-body',
        otherwise: 'Use indices.',
      }),
    /transform is "rigid-body", which does not name its coordinates\. Use indices\.$/,
  );
  assert.throws(
    () => requireCoordinateNames(names, 3, { who: 'm', option: 'x' }),
    /names its 3 coordinates.*the names given cover 2 coordinates/,
  );
});
