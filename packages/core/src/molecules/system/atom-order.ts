/**
 * Do a coordinate file's atoms come in the order of a topology (prmtop, system.json, a run's force
 * field)? The same atom count is not the same system: the project's own ala2.pdb (OpenMM's order,
 * methyl carbon first) against the shared AMBER prmtop (methyl hydrogen first) gave 2879.66 kJ/mol
 * instead of about −170 without a word.
 *
 * The rule, atom by atom (index i of the file against index i of the topology):
 * - the residue name is the same, and a residue starts at the same atoms (residue numbers may differ);
 * - the element is the same;
 * - the names agree after the usual PDB aliases: leading digits move to the end (PDB v2 "1HH3" is
 *   "HH31"), the caps' AMBER names equal OpenMM/PDB v3 ones (ACE and NME methyl hydrogens HH31–HH33
 *   are H1–H3, the NME methyl carbon CH3 is C), and an amide "HN" is "H";
 * - or, for a hydrogen whose name still differs, it sits on the heavy atom the topology bonds it to
 *   (within 0.15 nm of it in the file's first frame): hydrogens on one heavy atom share their
 *   parameters, so their names (HB1/HB2/HB3 against HB2/HB3/HB1, say) carry no energy.
 * A permuted order fails on the element, the residue, a heavy atom's name or a hydrogen's place.
 * A topology that knows only masses (`elementsOnly`: a serialized OpenMM System) is compared by
 * element alone, and not at all where its masses name no element.
 */
import { InputError } from '../../errors.js';
import type { Atom, Topology } from '../../contracts/force-field.js';

/** What a coordinate file says about its atoms: names, elements, residues, and its first frame. */
export interface NamedCoordinates {
  atoms: ReadonlyArray<Pick<Atom, 'name' | 'element' | 'residueName' | 'residueIndex'>>;
  /** The first frame (nm), for the hydrogen rule; without it only names count. */
  positions?: Float64Array;
}

/** Names of the caps that AMBER and OpenMM / PDB v3 spell differently (AMBER name → canonical). */
const RESIDUE_ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  ACE: { HH31: 'H1', HH32: 'H2', HH33: 'H3' },
  NME: { CH3: 'C', HH31: 'H1', HH32: 'H2', HH33: 'H3' },
};
const ANY_RESIDUE_ALIASES: Readonly<Record<string, string>> = { HN: 'H' };

/** Hydrogen–heavy-atom distance below which a hydrogen sits on that atom (S–H is 0.134 nm). */
const BONDED_H_NM = 0.15;

/** An atom name in canonical form: upper case, leading digits at the end, the aliases applied. */
export function canonicalAtomName(residueName: string, name: string): string {
  let n = name.trim().toUpperCase();
  const rotated = /^(\d+)(\D.*)$/.exec(n);
  if (rotated) n = `${rotated[2]}${rotated[1]}`;
  return RESIDUE_ALIASES[residueName.trim().toUpperCase()]?.[n] ?? ANY_RESIDUE_ALIASES[n] ?? n;
}

/** Are two names of an atom of `residueName` the same atom under the PDB aliases? */
export function atomNamesEquivalent(residueName: string, a: string, b: string): boolean {
  return canonicalAtomName(residueName, a) === canonicalAtomName(residueName, b);
}

const isHydrogen = (element: string) => /^(H|D)$/i.test(element.trim());

/** The heavy atom the topology bonds hydrogen `i` to, if it has exactly one. */
function heavyParent(topology: Pick<Topology, 'atoms' | 'bonds'>, i: number): number | undefined {
  let parent: number | undefined;
  for (const [a, b] of topology.bonds) {
    const other = a === i ? b : b === i ? a : undefined;
    if (other === undefined || isHydrogen(topology.atoms[other]?.element ?? 'H')) continue;
    if (parent !== undefined && parent !== other) return undefined;
    parent = other;
  }
  return parent;
}

function distanceNm(x: Float64Array, i: number, j: number): number {
  return Math.hypot(x[3 * i]! - x[3 * j]!, x[3 * i + 1]! - x[3 * j + 1]!, x[3 * i + 2]! - x[3 * j + 2]!);
}

/**
 * The first atom at which `file` does not follow `topology`'s order under the rule above, with
 * what is wrong there, or undefined when the orders agree. Different atom counts are the caller's
 * to report; only the common atoms are compared.
 */
export function atomOrderMismatch(
  topology: Pick<Topology, 'atoms' | 'bonds' | 'elementsOnly'>,
  file: NamedCoordinates,
): { index: number; problem: string } | undefined {
  const n = Math.min(topology.atoms.length, file.atoms.length);
  if (topology.elementsOnly) return elementMismatch(topology.atoms, file.atoms, n);
  for (let i = 0; i < n; i++) {
    const t = topology.atoms[i]!,
      f = file.atoms[i]!;
    if (t.residueName.trim() !== f.residueName.trim()) return { index: i, problem: 'residue names differ' };
    if (
      i > 0 &&
      (t.residueIndex !== topology.atoms[i - 1]!.residueIndex) !== (f.residueIndex !== file.atoms[i - 1]!.residueIndex)
    )
      return { index: i, problem: 'a residue starts here in one file only' };
    if (t.element.trim().toLowerCase() !== f.element.trim().toLowerCase())
      return { index: i, problem: 'elements differ' };
    if (atomNamesEquivalent(t.residueName, t.name, f.name)) continue;
    if (!isHydrogen(t.element)) return { index: i, problem: 'names differ' };
    const parent = heavyParent(topology, i);
    const x = file.positions;
    if (parent === undefined || !x || x.length < 3 * n || distanceNm(x, i, parent) > BONDED_H_NM)
      return { index: i, problem: 'names differ, and the hydrogen is not on the heavy atom the topology bonds it to' };
  }
  return undefined;
}

/** The first atom whose element differs (hydrogen and deuterium alike), skipping unknown elements. */
function elementMismatch(
  known: ReadonlyArray<Pick<Atom, 'element'>>,
  file: NamedCoordinates['atoms'],
  n: number,
): { index: number; problem: string } | undefined {
  const kind = (e: string) => (isHydrogen(e) ? 'h' : e.trim().toLowerCase());
  for (let i = 0; i < n; i++) {
    const e = known[i]!.element;
    if (e.trim() !== '' && kind(e) !== kind(file[i]!.element)) return { index: i, problem: 'elements differ' };
  }
  return undefined;
}

/**
 * Throw an InputError naming the first atom at which the coordinate file `path` (whose atom names
 * come from `namesFrom`, the file itself or, for a DCD, its sibling PDB) does not follow the
 * order of `topology` (described by `systemLabel`, e.g. `force field "amber(…)"`).
 */
export function checkAtomOrder(
  path: string,
  file: NamedCoordinates,
  topology: Pick<Topology, 'atoms' | 'bonds' | 'elementsOnly'>,
  systemLabel: string,
  namesFrom = path,
): void {
  const m = atomOrderMismatch(topology, file);
  if (!m) return;
  const describe = (a: Pick<Atom, 'name' | 'element' | 'residueName' | 'residueIndex'>, atoms: typeof file.atoms) => {
    const ordinal = residueOrdinal(atoms, m.index);
    return `${a.element} (${a.name}, residue ${ordinal} ${a.residueName})`;
  };
  const t = topology.atoms[m.index]!;
  // A mass-only topology's names and residues are placeholders: name what it knows.
  const inSystem = topology.elementsOnly ? `${t.element} (a particle of mass ${t.mass})` : describe(t, topology.atoms);
  throw new InputError(
    `${path}: atom ${m.index} is ${describe(file.atoms[m.index]!, file.atoms)} ${namesFrom === path ? 'here' : `in ${namesFrom}`} but ` +
      `${inSystem} in ${systemLabel} (${m.problem}): ` +
      `the file lists the atoms in another order than the system; reorder them to the system's order`,
    path,
  );
}

/** 1-based position of atom i's residue among the residues of `atoms`. */
function residueOrdinal(atoms: ReadonlyArray<Pick<Atom, 'residueIndex'>>, i: number): number {
  let r = 1;
  for (let k = 1; k <= i; k++) if (atoms[k]!.residueIndex !== atoms[k - 1]!.residueIndex) r++;
  return r;
}
