/** Checked access to the index fields of a prmtop, shared by the readers of prmtop → system. */
import { InputError } from '@embedcg/core';
import type { Prmtop } from './prmtop.js';

/** Unit conversions from AMBER's (kcal/mol, Å, charge × 18.2223) to OpenMM's (kJ/mol, nm, e). */
export const KCAL = 4.184;
export const ANGSTROM = 0.1;
export const CHARGE_UNIT = 18.2223;

/** A prmtop with its atom count and the index checks; errors name the file, section and entry. */
export class PrmtopFields {
  /** NATOM. */
  readonly n: number;

  constructor(readonly p: Prmtop) {
    this.n = p.pointer('NATOM');
  }

  fail(msg: string): never {
    throw new InputError(`${this.p.source}: ${msg}`, this.p.source);
  }

  /** A 0-based atom index from AMBER's atom pointer (3 × index, sign = a flag). */
  atomIndex(raw: number, section: string, k: number): number {
    const v = Math.abs(raw);
    if (v % 3 !== 0 || v / 3 >= this.n)
      this.fail(`section ${section}: entry ${k + 1} has atom pointer ${raw}, not a multiple of 3 below 3 × NATOM`);
    return v / 3;
  }

  /** A 0-based parameter index from a 1-based one in 1..count. */
  typeIndex(raw: number, count: number, section: string, k: number): number {
    if (raw < 1 || raw > count)
      this.fail(`section ${section}: entry ${k + 1} has parameter index ${raw}, outside 1..${count}`);
    return raw - 1;
  }
}
