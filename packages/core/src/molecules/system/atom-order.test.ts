import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Atom } from '../../contracts/force-field.js';
import { elementsFromMasses } from '../io/frames.js';
import { atomOrderMismatch, canonicalAtomName, checkAtomOrder } from './atom-order.js';

const atom = (name: string, element: string, residueName: string, residueIndex: number): Atom => ({
  name,
  element,
  mass: 0,
  residueName,
  residueIndex,
});

/** A methyl group and a carbonyl (ACE) followed by N–H (NME's first two atoms), with bonds and a frame. */
const topology = {
  atoms: [
    atom('HH31', 'H', 'ACE', 0),
    atom('CH3', 'C', 'ACE', 0),
    atom('HH32', 'H', 'ACE', 0),
    atom('HH33', 'H', 'ACE', 0),
    atom('C', 'C', 'ACE', 0),
    atom('O', 'O', 'ACE', 0),
    atom('N', 'N', 'NME', 1),
    atom('H', 'H', 'NME', 1),
  ],
  bonds: [
    [0, 1],
    [1, 2],
    [1, 3],
    [1, 4],
    [4, 5],
    [4, 6],
    [6, 7],
  ] as Array<[number, number]>,
};
// nm; each hydrogen 0.109 nm (C–H) or 0.101 nm (N–H) from its heavy atom, heavy atoms ≥ 0.12 nm apart.
const frame = new Float64Array([
  0, 0.109, 0, 0, 0, 0, 0.103, -0.036, 0, -0.051, -0.036, 0.089, 0.152, 0, 0, 0.2, 0.12, 0, 0.23, -0.12, 0, 0.33, -0.12,
  0,
]);

test('canonical atom names: leading digits move to the end, cap aliases, HN', () => {
  assert.equal(canonicalAtomName('ACE', '1HH3'), 'H1');
  assert.equal(canonicalAtomName('ACE', 'HH31'), 'H1');
  assert.equal(canonicalAtomName('ACE', 'H1'), 'H1');
  assert.equal(canonicalAtomName('ACE', 'CH3'), 'CH3');
  assert.equal(canonicalAtomName('NME', 'CH3'), 'C');
  assert.equal(canonicalAtomName('NME', 'C'), 'C');
  assert.equal(canonicalAtomName('ALA', '2HB'), 'HB2');
  assert.equal(canonicalAtomName(' ala', ' cb '), 'CB');
  assert.equal(canonicalAtomName('ALA', 'HN'), 'H');
  // ALA is no cap: its C is the carbonyl carbon, not a methyl.
  assert.equal(canonicalAtomName('ALA', 'CH3'), 'CH3');
});

test('the same order under other names is accepted: PDB v2 names, OpenMM cap names, renamed methyl hydrogens', () => {
  const named = (names: string[]) => ({
    atoms: topology.atoms.map((a, i) => ({ ...a, name: names[i]!, residueIndex: a.residueIndex + 1 })),
    positions: frame,
  });
  assert.equal(atomOrderMismatch(topology, { atoms: topology.atoms, positions: frame }), undefined);
  assert.equal(atomOrderMismatch(topology, named(['1HH3', 'CH3', '2HH3', '3HH3', 'C', 'O', 'N', 'H'])), undefined);
  assert.equal(atomOrderMismatch(topology, named(['H1', 'CH3', 'H2', 'H3', 'C', 'O', 'N', 'HN'])), undefined);
  // Hydrogens on one carbon may be numbered differently: they share their parameters.
  assert.equal(atomOrderMismatch(topology, named(['H3', 'CH3', 'H1', 'H2', 'C', 'O', 'N', 'H'])), undefined);
});

test('another order is refused at its first atom, whatever differs there', () => {
  const swap = (i: number, j: number) => {
    const atoms = topology.atoms.slice();
    [atoms[i], atoms[j]] = [atoms[j]!, atoms[i]!];
    const positions = frame.slice();
    for (let k = 0; k < 3; k++) [positions[3 * i + k], positions[3 * j + k]] = [frame[3 * j + k]!, frame[3 * i + k]!];
    return { atoms, positions };
  };
  assert.deepEqual(atomOrderMismatch(topology, swap(0, 1)), { index: 0, problem: 'elements differ' });
  assert.deepEqual(atomOrderMismatch(topology, swap(4, 6)), { index: 4, problem: 'residue names differ' });
  assert.deepEqual(atomOrderMismatch(topology, swap(4, 1)), { index: 1, problem: 'names differ' });
  // A hydrogen renamed and away from its carbon (where the amide hydrogen is): refused.
  const moved = frame.slice();
  moved.set(frame.subarray(21, 24), 9);
  const renamed = { atoms: topology.atoms.map((a, i) => (i === 3 ? { ...a, name: 'H4' } : a)), positions: moved };
  assert.deepEqual(atomOrderMismatch(topology, renamed), {
    index: 3,
    problem: 'names differ, and the hydrogen is not on the heavy atom the topology bonds it to',
  });
  // Renamed but in place: accepted; without coordinates the name alone decides.
  assert.equal(atomOrderMismatch(topology, { ...renamed, positions: frame }), undefined);
  assert.equal(atomOrderMismatch(topology, { atoms: renamed.atoms })?.index, 3);
  // The residue boundary one atom early.
  const early = { atoms: topology.atoms.map((a, i) => (i === 5 ? { ...a, residueIndex: 1 } : a)), positions: frame };
  assert.deepEqual(atomOrderMismatch(topology, early), { index: 5, problem: 'a residue starts here in one file only' });
});

test('checkAtomOrder names the file, the atom, its residue and name in each file', () => {
  const atoms = topology.atoms.slice();
  [atoms[0], atoms[1]] = [atoms[1]!, atoms[0]!];
  assert.throws(
    () => checkAtomOrder('x.pdb', { atoms }, topology, 'sys.prmtop'),
    /^InputError: x\.pdb: atom 0 is C \(CH3, residue 1 ACE\) here but H \(HH31, residue 1 ACE\) in sys\.prmtop \(elements differ\): the file lists the atoms in another order/,
  );
  assert.throws(
    () => checkAtomOrder('x.dcd', { atoms }, topology, 'force field "f"', 'x.pdb'),
    /^InputError: x\.dcd: atom 0 is C \(CH3, residue 1 ACE\) in x\.pdb but H/,
  );
  checkAtomOrder('y.pdb', { atoms: topology.atoms }, topology, 'sys.prmtop');
});

test('elements from masses: standard weights (AMBER and OpenMM spellings) name elements; one mass off the table names none', () => {
  assert.deepEqual(elementsFromMasses([1.008, 12.01, 14.01, 16.0, 32.06, 1.007947, 15.9994]), [
    'H',
    'C',
    'N',
    'O',
    'S',
    'H',
    'O',
  ]);
  // Hydrogen mass repartitioning to 3 Da puts an O–H oxygen at 14.007 Da, N's weight: with one
  // mass off the table, no element is trusted.
  assert.deepEqual(elementsFromMasses([3.024, 14.007, 3.024]), ['', '', '']);
  assert.deepEqual(elementsFromMasses([12.011, 0]), ['', '']);
});

test('a mass-only topology is compared by element alone, and names the particle by its mass', () => {
  const masses = topology.atoms.map((a) => ({ H: 1.008, C: 12.011, N: 14.007, O: 15.999 })[a.element]!);
  const elements = elementsFromMasses(masses);
  const massOnly = {
    atoms: masses.map((mass, i) => ({ ...atom(`${elements[i]}${i + 1}`, elements[i]!, 'UNK', 0), mass })),
    bonds: [],
    elementsOnly: true,
  };
  // Names and residues of the file do not count against placeholders.
  assert.equal(atomOrderMismatch(massOnly, { atoms: topology.atoms }), undefined);
  const atoms = topology.atoms.slice();
  [atoms[4], atoms[5]] = [atoms[5]!, atoms[4]!];
  assert.throws(
    () => checkAtomOrder('x.pdb', { atoms }, massOnly, 'sys.xml'),
    /^InputError: x\.pdb: atom 4 is O \(O, residue 1 ACE\) here but C \(a particle of mass 12\.011\) in sys\.xml \(elements differ\)/,
  );
  // Masses that name no element check nothing.
  const unknown = { ...massOnly, atoms: massOnly.atoms.map((a) => ({ ...a, element: '' })) };
  assert.equal(atomOrderMismatch(unknown, { atoms }), undefined);
});
