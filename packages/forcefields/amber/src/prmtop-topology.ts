/**
 * The atoms (names, elements, masses, residues) and bonds of a prmtop, without its parameters: what
 * a coordinate file is checked against (atom count and order), also for prmtops the native engine
 * does not evaluate but OpenMM does (CMAP, periodic boxes, ...).
 */
import { InputError, type Topology } from '@embedcg/core';
import type { Prmtop } from './prmtop.js';
import type { SystemAtom } from './system.js';

/** Atoms and residues of a prmtop, elements as OpenMM assigns them. */
export function prmtopAtoms(p: Prmtop): SystemAtom[] {
  const n = p.pointer('NATOM');
  const names = p.text('ATOM_NAME');
  const masses = p.real('MASS');
  const resLabels = p.text('RESIDUE_LABEL');
  const resPtr = p.int('RESIDUE_POINTER');
  const atomicNumber = p.has('ATOMIC_NUMBER') ? p.int('ATOMIC_NUMBER') : undefined;
  if (resPtr[0] !== 1)
    throw new InputError(`${p.source}: section RESIDUE_POINTER must start at atom 1, got ${resPtr[0]}`, p.source);
  const atoms: SystemAtom[] = [];
  let res = 0;
  for (let i = 0; i < n; i++) {
    while (res + 1 < resPtr.length && resPtr[res + 1]! - 1 <= i) res++;
    const name = names[i]!;
    atoms.push({
      name,
      element: elementOf(name, atomicNumber?.[i]),
      mass: masses[i]!,
      residueName: resLabels[res]!,
      residueIndex: res,
    });
  }
  return atoms;
}

/** Atoms and bonds of a prmtop (BONDS_INC_HYDROGEN, then BONDS_WITHOUT_HYDROGEN). */
export function prmtopTopology(p: Prmtop): Topology {
  const atoms = prmtopAtoms(p);
  const bonds: Array<[number, number]> = [];
  for (const section of ['BONDS_INC_HYDROGEN', 'BONDS_WITHOUT_HYDROGEN']) {
    const b = p.int(section);
    for (let k = 0; k + 1 < b.length; k += 3) {
      const [i, j] = [Math.abs(b[k]!) / 3, Math.abs(b[k + 1]!) / 3];
      if (!Number.isInteger(i) || !Number.isInteger(j) || i >= atoms.length || j >= atoms.length)
        throw new InputError(`${p.source}: section ${section}: entry ${k / 3 + 1} has a bad atom pointer`, p.source);
      bonds.push([i, j]);
    }
  }
  return { atoms, bonds };
}

/** Element of a prmtop atom: ATOMIC_NUMBER when present, else guessed from the name as OpenMM does. */
function elementOf(name: string, atomicNumber: number | undefined): string {
  const SYMBOLS = [
    '',
    'H',
    'He',
    'Li',
    'Be',
    'B',
    'C',
    'N',
    'O',
    'F',
    'Ne',
    'Na',
    'Mg',
    'Al',
    'Si',
    'P',
    'S',
    'Cl',
    'Ar',
    'K',
    'Ca',
  ];
  const extra: Record<number, string> = { 25: 'Mn', 26: 'Fe', 29: 'Cu', 30: 'Zn', 35: 'Br', 53: 'I' };
  if (atomicNumber !== undefined && atomicNumber > 0) return SYMBOLS[atomicNumber] ?? extra[atomicNumber] ?? '';
  const upper = name.toUpperCase().replace(/^[0-9]+/, '');
  for (const [prefix, el] of [
    ['CL', 'Cl'],
    ['NA', 'Na'],
    ['MG', 'Mg'],
    ['ZN', 'Zn'],
  ] as const)
    if (upper.startsWith(prefix)) return el;
  return /[A-Z]/.test(upper[0] ?? '') ? upper[0]! : '';
}
