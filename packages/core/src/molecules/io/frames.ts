/**
 * The in-memory shape shared by every molecular file reader and writer: atoms plus one or more
 * frames of coordinates in nm (OpenMM units), configuration-major like force-field batches.
 */
import type { Atom } from '../../contracts/force-field.js';

/** Atoms and n frames of coordinates read from (or to be written to) a molecular file. */
export interface MolecularFrames {
  /** Atom metadata (names, elements, residues); masses are 0 when the format does not carry them. */
  atoms: Atom[];
  /** Number of frames (PDB models, DCD frames, XYZ blocks). */
  nFrames: number;
  /** nFrames × atoms × 3 coordinates in nm, frame-major: `positions[(f * nAtoms + a) * 3 + axis]`. */
  positions: Float64Array;
  /** Bonds from PDB CONECT records, when present (zero-based atom indices). */
  bonds?: Array<[number, number]>;
  /** Periodic cell of each frame [a, b, c (nm), alpha, beta, gamma (degrees)], when the file has one. */
  unitCells?: Float64Array;
}

/** Standard atomic weights (dalton) of the elements that occur in biomolecular force fields. */
export const ELEMENT_MASSES: Readonly<Record<string, number>> = {
  H: 1.008,
  D: 2.014,
  C: 12.011,
  N: 14.007,
  O: 15.999,
  F: 18.998,
  Na: 22.99,
  Mg: 24.305,
  P: 30.974,
  S: 32.06,
  Cl: 35.45,
  K: 39.098,
  Ca: 40.078,
  Fe: 55.845,
  Zn: 65.38,
  Br: 79.904,
  I: 126.904,
};

/** How far a mass may lie from a standard atomic weight and still name that element (dalton). */
const MASS_TOLERANCE = 0.05;

/**
 * The elements of particles known only by their masses (a serialized OpenMM System), or all ''
 * when any mass is no standard atomic weight: repartitioned hydrogen masses (HMR) or virtual sites
 * shift masses by a dalton or more, and an O–H oxygen with 3-dalton hydrogens weighs exactly N, so
 * one mass off the table means no mass can be trusted to name its element.
 */
export function elementsFromMasses(masses: ArrayLike<number>): string[] {
  const table = Object.entries(ELEMENT_MASSES);
  const out: string[] = [];
  for (let i = 0; i < masses.length; i++) {
    const hit = table.find(([, m]) => Math.abs(m - masses[i]!) <= MASS_TOLERANCE);
    if (!hit) return Array.from({ length: masses.length }, () => '');
    out.push(hit[0]);
  }
  return out;
}

/**
 * Guess an element from a PDB/AMBER atom name when the file does not state it, the way OpenMM
 * does for prmtop files: two-letter ions first, then the first letter.
 */
export function guessElement(atomName: string): string {
  const upper = atomName
    .trim()
    .replace(/^[0-9]+/, '')
    .toUpperCase();
  // Ions are named after their element (CL, NA, ...); longer names such as "NA1" are not ions,
  // and "CA" is the alpha carbon, so only exact two-letter ion names map to two-letter elements.
  const ions: Record<string, string> = { CL: 'Cl', NA: 'Na', MG: 'Mg', ZN: 'Zn', BR: 'Br', K: 'K' };
  if (ions[upper]) return ions[upper]!;
  return upper.match(/[A-Z]/)?.[0] ?? '';
}
