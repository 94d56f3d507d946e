/**
 * The nonbonded part of prmtop → system, as OpenMM's AmberPrmtopFile builds it: charges and
 * per-atom LJ from the type's diagonal A/B coefficients (NBFIX refused), the 1-4 pairs of the
 * dihedral list scaled by SCEE/SCNB as the first exceptions, then EXCLUDED_ATOMS_LIST as zero
 * exceptions. The torsions are read in the same pass as their 1-4 pairs.
 */
import { ANGSTROM, CHARGE_UNIT, KCAL, type PrmtopFields } from './prmtop-fields.js';
import type { SystemParameters } from './system.js';

/** Per-atom nonbonded parameters in AMBER units, and the particles in OpenMM's. */
export interface PrmtopLennardJones {
  /** Charges in e. */
  charges: number[];
  /** Half the LJ minimum distance per atom, Å. */
  rMinHalf: Float64Array;
  /** LJ well depth per atom, kcal/mol. */
  epsilon: Float64Array;
  particles: SystemParameters['nonbonded']['particles'];
}

/** Charges and Lorentz-Berthelot LJ per atom; refuses 10-12 and NBFIX parameters. */
export function readLennardJones(r: PrmtopFields): PrmtopLennardJones {
  const { p, n } = r;
  const ntypes = p.pointer('NTYPES');
  const charges = Array.from(p.real('CHARGE'), (q) => q / CHARGE_UNIT);
  const typeOf = p.int('ATOM_TYPE_INDEX');
  const nbIndex = p.int('NONBONDED_PARM_INDEX');
  const acoef = p.real('LENNARD_JONES_ACOEF');
  const bcoef = p.real('LENNARD_JONES_BCOEF');
  const lj = (a: number, b: number): [number, number] =>
    a === 0 || b === 0 ? [1.0, 0] : [Math.pow((2 * a) / b, 1 / 6), (0.25 * b * b) / a];
  const typeParams: Array<[number, number]> = new Array(ntypes).fill(null).map(() => [0, 0]);
  const rMinHalf = new Float64Array(n); // Å
  const epsilon = new Float64Array(n); // kcal/mol
  for (let i = 0; i < n; i++) {
    const t = typeOf[i]! - 1;
    if (t < 0 || t >= ntypes) r.fail(`section ATOM_TYPE_INDEX: atom ${i} has type ${t + 1}, outside 1..${ntypes}`);
    const idx = nbIndex[(ntypes + 1) * t]! - 1;
    if (idx < 0)
      r.fail(`atom ${i} uses 10-12 hydrogen-bond parameters (negative NONBONDED_PARM_INDEX), which are not supported`);
    const [rMin, eps] = lj(acoef[idx]!, bcoef[idx]!);
    rMinHalf[i] = rMin / 2;
    epsilon[i] = eps;
    typeParams[t] = [rMin / 2, eps];
  }
  refuseNbfix(r, typeParams);
  const sigmaOf = (rHalf: number) => rHalf * 2 * Math.pow(2, -1 / 6) * ANGSTROM;
  const particles: SystemParameters['nonbonded']['particles'] = charges.map((q, i) => [
    q,
    sigmaOf(rMinHalf[i]!),
    epsilon[i]! * KCAL,
  ]);
  return { charges, rMinHalf, epsilon, particles };
}

/** Off-diagonal A/B that do not follow the Lorentz-Berthelot rule (NBFIX) would need a per-type-pair table. */
function refuseNbfix(r: PrmtopFields, typeParams: Array<[number, number]>): void {
  const ntypes = typeParams.length;
  const nbIndex = r.p.int('NONBONDED_PARM_INDEX');
  const acoef = r.p.real('LENNARD_JONES_ACOEF');
  const bcoef = r.p.real('LENNARD_JONES_BCOEF');
  for (let a = 0; a < ntypes; a++) {
    for (let b = 0; b < ntypes; b++) {
      const idx = nbIndex[ntypes * a + b]! - 1;
      if (idx < 0) continue;
      const rij = typeParams[a]![0] + typeParams[b]![0];
      const wdij = Math.sqrt(typeParams[a]![1] * typeParams[b]![1]);
      const A = acoef[idx]!;
      const B = bcoef[idx]!;
      const nbfix =
        A === 0 || B === 0
          ? A !== 0 || B !== 0 || (wdij !== 0 && rij !== 0)
          : Math.abs((A - wdij * rij ** 12) / A) > 1e-6 || Math.abs((B - 2 * wdij * rij ** 6) / B) > 1e-6;
      if (nbfix)
        r.fail(
          `off-diagonal Lennard-Jones parameters (NBFIX) between atom types ${a + 1} and ${b + 1} are not supported by the native engine; use --engine openmm`,
        );
    }
  }
}

/** Torsions and nonbonded exceptions of a prmtop. */
export interface PrmtopTorsionsAndExceptions {
  periodicTorsions: SystemParameters['periodicTorsions'];
  exceptions: SystemParameters['nonbonded']['exceptions'];
}

/** Every dihedral as a periodic torsion, with its 1-4 pair as a scaled exception; then the exclusions. */
export function readTorsionsAndExceptions(r: PrmtopFields, lj: PrmtopLennardJones): PrmtopTorsionsAndExceptions {
  const { p, n } = r;
  const { charges, rMinHalf, epsilon } = lj;
  const dk = p.real('DIHEDRAL_FORCE_CONSTANT');
  const dn = p.real('DIHEDRAL_PERIODICITY');
  const dphase = p.real('DIHEDRAL_PHASE');
  const scee = p.has('SCEE_SCALE_FACTOR') ? p.real('SCEE_SCALE_FACTOR') : undefined;
  const scnb = p.has('SCNB_SCALE_FACTOR') ? p.real('SCNB_SCALE_FACTOR') : undefined;
  const periodicTorsions: SystemParameters['periodicTorsions'] = [];
  const exceptions: SystemParameters['nonbonded']['exceptions'] = [];
  const exceptionAt = new Map<number, number>();
  for (const section of ['DIHEDRALS_INC_HYDROGEN', 'DIHEDRALS_WITHOUT_HYDROGEN']) {
    const d = p.int(section);
    for (let k = 0; k < d.length; k += 5) {
      const row = k / 5;
      const i = r.atomIndex(d[k]!, section, row);
      const j = r.atomIndex(d[k + 1]!, section, row);
      const kk = r.atomIndex(d[k + 2]!, section, row);
      const l = r.atomIndex(d[k + 3]!, section, row);
      const t = r.typeIndex(d[k + 4]!, dk.length, section, row);
      const periodicity = Math.trunc(0.5 + dn[t]!);
      if (periodicity < 1)
        r.fail(`section DIHEDRAL_PERIODICITY: dihedral type ${t + 1} has periodicity ${dn[t]}, which is not supported`);
      periodicTorsions.push([i, j, kk, l, periodicity, dphase[t]!, dk[t]! * KCAL]);
      // A negative third index means "1-4 already counted", a negative fourth an improper.
      if (d[k + 2]! > 0 && d[k + 3]! > 0) {
        const ee = scee ? scee[t]! : 1.2;
        const nb = scnb ? scnb[t]! : 2.0;
        if (!(ee > 0) || !(nb > 0))
          r.fail(`dihedral type ${t + 1} has a zero or negative 1-4 scale factor (SCEE ${ee}, SCNB ${nb})`);
        const key = pairKey(n, i, l);
        if (exceptionAt.has(key))
          r.fail(
            `section ${section}: the 1-4 pair of atoms ${i} and ${l} is listed twice (entry ${row + 1}); mark repeats with a negative third index`,
          );
        exceptionAt.set(key, exceptions.length);
        const sigma = (rMinHalf[i]! + rMinHalf[l]!) * Math.pow(2, -1 / 6) * ANGSTROM;
        const eps = (Math.sqrt(epsilon[i]! * epsilon[l]!) * KCAL) / nb;
        exceptions.push([i, l, (charges[i]! * charges[l]!) / ee, sigma, eps]);
      }
    }
  }
  addExclusions(r, exceptions, exceptionAt);
  return { periodicTorsions, exceptions };
}

function pairKey(n: number, i: number, j: number): number {
  return Math.min(i, j) * n + Math.max(i, j);
}

/** Excluded pairs (1-2, 1-3) become zero exceptions, after the 1-4 ones as in OpenMM. */
function addExclusions(
  r: PrmtopFields,
  exceptions: SystemParameters['nonbonded']['exceptions'],
  exceptionAt: Map<number, number>,
): void {
  const { p, n } = r;
  const numExcluded = p.int('NUMBER_EXCLUDED_ATOMS');
  const excludedList = p.int('EXCLUDED_ATOMS_LIST');
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const count = numExcluded[i]!;
    if (count < 0 || offset + count > excludedList.length)
      r.fail(
        `section NUMBER_EXCLUDED_ATOMS: atom ${i} claims ${count} exclusions beyond the ${excludedList.length} entries of EXCLUDED_ATOMS_LIST`,
      );
    for (let k = offset; k < offset + count; k++) {
      const j1 = excludedList[k]!;
      if (j1 <= 0) continue; // 0 is AMBER's placeholder for "no exclusions"
      const j = j1 - 1;
      if (j >= n) r.fail(`section EXCLUDED_ATOMS_LIST: entry ${k + 1} names atom ${j1}, beyond NATOM = ${n}`);
      if (j === i) continue;
      const key = pairKey(n, i, j);
      if (exceptionAt.has(key)) continue;
      exceptionAt.set(key, exceptions.length);
      exceptions.push([i, j, 0, 0.1, 0]);
    }
    offset += count;
  }
}
