import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backboneDihedrals, dihedral, dihedralSeries } from './dihedrals.js';

test('dihedral has the IUPAC sign: a-b-c-d with d turned by +t about b→c (right-handed) gives +t', () => {
  for (const t of [0.3, 1.2, 2.9, -0.7, -2.2]) {
    // a on +x, b at 0, c on +z, d rotated by t from +x about +z.
    const x = [1, 0, 0, 0, 0, 0, 0, 0, 1, Math.cos(t), Math.sin(t), 1];
    assert.ok(Math.abs(dihedral(x, 12, 0, [0, 1, 2, 3]) - t) < 1e-12, `t = ${t}`);
    // Reversing the atom order keeps the angle; mirroring (z → −z) flips its sign.
    assert.ok(Math.abs(dihedral(x, 12, 0, [3, 2, 1, 0]) - t) < 1e-12);
    const mirrored = x.map((v, k) => (k % 3 === 2 ? -v : v));
    assert.ok(Math.abs(dihedral(mirrored, 12, 0, [0, 1, 2, 3]) + t) < 1e-12);
  }
  // Translation and scale do not matter; the series walks frames.
  const two = [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 5 + 2, 3, 1, 5, 3, 1, 5, 3, 3, 5 - 2, 3 - 2e-9, 3];
  const s = dihedralSeries(two, 12, 2, [0, 1, 2, 3]);
  assert.ok(Math.abs(s[0]! - Math.PI / 2) < 1e-12);
  assert.ok(Math.abs(Math.abs(s[1]!) - Math.PI) < 1e-8);
});

test('backbone quadruples of ACE-ALA-NME are φ = 4-6-8-14 and ψ = 6-8-14-16', () => {
  const names: Array<[string, number]> = [
    ['CH3', 0],
    ['H1', 0],
    ['H2', 0],
    ['H3', 0],
    ['C', 0],
    ['O', 0],
    ['N', 1],
    ['H', 1],
    ['CA', 1],
    ['HA', 1],
    ['CB', 1],
    ['HB1', 1],
    ['HB2', 1],
    ['HB3', 1],
    ['C', 1],
    ['O', 1],
    ['N', 2],
    ['H', 2],
    ['C', 2],
    ['H1', 2],
    ['H2', 2],
    ['H3', 2],
  ];
  const bb = backboneDihedrals({
    atoms: names.map(([name, r]) => ({ name, element: name[0]!, mass: 1, residueName: 'X', residueIndex: r })),
    bonds: [],
  });
  assert.deepEqual(bb, { phi: [[4, 6, 8, 14]], psi: [[6, 8, 14, 16]], residues: [1] });
});
