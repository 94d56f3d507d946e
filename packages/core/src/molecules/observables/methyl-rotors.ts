/**
 * Methyl rotors of a molecule, found from its bonds: every carbon bonded to three hydrogens, with
 * the torsion X–Y–C–H that turns it (Y the carbon's heavy neighbour, X a heavy neighbour of Y).
 * The three hydrogens are identical, so the rotor's state is its phase 3θ (mod 2π), which is the
 * same whichever hydrogen the torsion names: the others sit at θ ± 120°.
 */
import type { Topology } from '../../contracts/force-field.js';
import type { Quad } from './dihedrals.js';

/** One methyl rotor: its torsion's atoms and the methyl carbon's residue index and name. */
export interface MethylRotor {
  quad: Quad;
  residueIndex: number;
  carbon: string;
}

const elementOf = (top: Topology, i: number): string => {
  const a = top.atoms[i]!;
  return (a.element || a.name.trim().replace(/^\d+/, '').slice(0, 1)).toUpperCase();
};

/** Every methyl rotor (carbon order), or an empty list when the topology has none or no bonds. */
export function methylRotors(top: Topology): MethylRotor[] {
  const neighbours = top.atoms.map((): number[] => []);
  for (const [a, b] of top.bonds) {
    neighbours[a]!.push(b);
    neighbours[b]!.push(a);
  }
  const isH = (i: number) => elementOf(top, i) === 'H';
  const out: MethylRotor[] = [];
  top.atoms.forEach((atom, c) => {
    if (elementOf(top, c) !== 'C') return;
    const hs = neighbours[c]!.filter(isH);
    const heavy = neighbours[c]!.filter((i) => !isH(i));
    if (hs.length !== 3 || heavy.length !== 1) return;
    const y = heavy[0]!;
    const x = neighbours[y]!.filter((i) => i !== c && !isH(i)).sort((p, q) => p - q)[0];
    if (x === undefined) return;
    out.push({ quad: [x, y, c, Math.min(...hs)], residueIndex: atom.residueIndex, carbon: atom.name.trim() });
  });
  return out;
}
