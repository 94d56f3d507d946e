/**
 * prmtop → SystemParameters, following what OpenMM's AmberPrmtopFile.createSystem builds
 * (openmm/app/internal/amber_file_parser.py, readAmberSystem) with NoCutoff, no constraints:
 * - bonds/angles: AMBER E = K (x − x0)², OpenMM E = k/2 (x − x0)², so k = 2K (×4.184, ×100 for Å⁻²→nm⁻²)
 * - torsions: every DIHEDRALS_* entry (propers and impropers), |third| and |fourth| indices
 * - charges: CHARGE / 18.2223; LJ per atom from the type's diagonal A/B coefficients
 * - 1-4 pairs: dihedrals whose third and fourth indices are positive, scaled by SCEE/SCNB
 *   (defaults 1.2 / 2.0), added as exceptions first; then EXCLUDED_ATOMS_LIST as zero exceptions
 * - GB: RADII (Å→nm) and SCREEN from the prmtop
 * Content the evaluator cannot represent is refused with an error that names the feature.
 */
import { InputError } from '@embedcg/core';
import type { Prmtop } from './prmtop.js';
import type { GbParameters, SystemParameters } from './system.js';
import { prmtopAtoms } from './prmtop-topology.js';

const KCAL = 4.184;
const ANGSTROM = 0.1;
const CHARGE_UNIT = 18.2223;

/** Options of {@link prmtopToSystem}. */
export interface PrmtopToSystemOptions {
  /** Implicit solvent: none, OBC1 (igb=2) or OBC2 (igb=5). Default 'obc2'. */
  solvent?: 'vacuum' | 'obc1' | 'obc2';
  solventDielectric?: number;
  soluteDielectric?: number;
  /** ACE surface-area energy in kJ/mol/nm² (0 disables). Default 2.25936, OpenMM's. */
  surfaceAreaEnergy?: number;
}

/** Throw a clear refusal when the prmtop uses a feature the native engine does not implement. */
export function checkPrmtopSupported(p: Prmtop): void {
  const refuse = (feature: string, hint: string): never => {
    throw new InputError(`${p.source}: ${feature} is not supported by the native AMBER engine (${hint})`, p.source);
  };
  if (p.has('CTITLE')) refuse('a CHAMBER (CHARMM-in-AMBER) topology', 'use the OpenMM engine with the CHARMM files');
  for (const flag of p.sections.keys()) {
    if (flag.startsWith('CHARMM_CMAP') || flag.startsWith('CMAP_'))
      refuse(`CMAP correction maps (section ${flag})`, 'use --engine openmm');
    if (flag.startsWith('AMOEBA'))
      refuse(`the AMOEBA polarizable force field (section ${flag})`, 'use --engine openmm');
  }
  if (p.has('POLARIZABILITY') && p.real('POLARIZABILITY').some((v) => v !== 0))
    refuse('atomic polarizabilities (section POLARIZABILITY)', 'use --engine openmm');
  if (p.pointer('IFBOX') > 0)
    refuse(
      `a periodic box (IFBOX = ${p.pointer('IFBOX')})`,
      'the engine is non-periodic: build the system without solvent box, or use --engine openmm',
    );
  if (p.pointer('IFCAP') > 0) refuse('the solvent cap (IFCAP)', 'rebuild without a cap');
  if (p.pointer('IFPERT') > 0) refuse('perturbation data (IFPERT)', 'rebuild without perturbation');
  if (p.pointer('NUMEXTRA') > 0)
    refuse(`extra points / virtual sites (NUMEXTRA = ${p.pointer('NUMEXTRA')})`, 'use --engine openmm');
  const names = p.text('ATOM_NAME');
  const ep = names.findIndex((n) => n.startsWith('EP') || n.startsWith('LP'));
  if (ep >= 0) refuse(`extra points / virtual sites (atom ${ep} is named ${names[ep]})`, 'use --engine openmm');
  if (p.has('LENNARD_JONES_CCOEF'))
    refuse('12-6-4 Lennard-Jones terms (section LENNARD_JONES_CCOEF)', 'use --engine openmm');
  if (p.has('HBOND_ACOEF')) {
    const a = p.real('HBOND_ACOEF');
    const b = p.has('HBOND_BCOEF') ? p.real('HBOND_BCOEF') : new Float64Array(0);
    if (a.some((v) => v !== 0) || b.some((v) => v !== 0))
      refuse('10-12 hydrogen-bond terms (HBOND_ACOEF/HBOND_BCOEF)', 'OpenMM does not support them either');
  }
}

/** Build the system's parameters from a parsed prmtop. */
export function prmtopToSystem(p: Prmtop, options: PrmtopToSystemOptions = {}): SystemParameters {
  checkPrmtopSupported(p);
  const src = p.source;
  const fail = (msg: string): never => {
    throw new InputError(`${src}: ${msg}`, src);
  };
  const n = p.pointer('NATOM');
  const ntypes = p.pointer('NTYPES');

  const atoms = prmtopAtoms(p);

  const atomIndex = (raw: number, section: string, k: number): number => {
    const v = Math.abs(raw);
    if (v % 3 !== 0 || v / 3 >= n)
      fail(`section ${section}: entry ${k + 1} has atom pointer ${raw}, not a multiple of 3 below 3 × NATOM`);
    return v / 3;
  };
  const typeIndex = (raw: number, count: number, section: string, k: number): number => {
    if (raw < 1 || raw > count)
      fail(`section ${section}: entry ${k + 1} has parameter index ${raw}, outside 1..${count}`);
    return raw - 1;
  };

  // Bonds.
  const bk = p.real('BOND_FORCE_CONSTANT');
  const br = p.real('BOND_EQUIL_VALUE');
  const bonds: Array<[number, number]> = [];
  const harmonicBonds: SystemParameters['harmonicBonds'] = [];
  for (const section of ['BONDS_INC_HYDROGEN', 'BONDS_WITHOUT_HYDROGEN']) {
    const b = p.int(section);
    for (let k = 0; k < b.length; k += 3) {
      const i = atomIndex(b[k]!, section, k / 3);
      const j = atomIndex(b[k + 1]!, section, k / 3);
      const t = typeIndex(b[k + 2]!, bk.length, section, k / 3);
      bonds.push([i, j]);
      harmonicBonds.push([i, j, br[t]! * ANGSTROM, (2 * bk[t]! * KCAL) / (ANGSTROM * ANGSTROM)]);
    }
  }

  // Angles.
  const ak = p.real('ANGLE_FORCE_CONSTANT');
  const at0 = p.real('ANGLE_EQUIL_VALUE');
  const harmonicAngles: SystemParameters['harmonicAngles'] = [];
  for (const section of ['ANGLES_INC_HYDROGEN', 'ANGLES_WITHOUT_HYDROGEN']) {
    const a = p.int(section);
    for (let k = 0; k < a.length; k += 4) {
      const t = typeIndex(a[k + 3]!, ak.length, section, k / 4);
      harmonicAngles.push([
        atomIndex(a[k]!, section, k / 4),
        atomIndex(a[k + 1]!, section, k / 4),
        atomIndex(a[k + 2]!, section, k / 4),
        at0[t]!,
        2 * ak[t]! * KCAL,
      ]);
    }
  }

  // Nonbonded per-atom parameters.
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
    if (t < 0 || t >= ntypes) fail(`section ATOM_TYPE_INDEX: atom ${i} has type ${t + 1}, outside 1..${ntypes}`);
    const idx = nbIndex[(ntypes + 1) * t]! - 1;
    if (idx < 0)
      fail(`atom ${i} uses 10-12 hydrogen-bond parameters (negative NONBONDED_PARM_INDEX), which are not supported`);
    const [rMin, eps] = lj(acoef[idx]!, bcoef[idx]!);
    rMinHalf[i] = rMin / 2;
    epsilon[i] = eps;
    typeParams[t] = [rMin / 2, eps];
  }
  // Off-diagonal A/B that do not follow the Lorentz-Berthelot rule (NBFIX) need a per-type-pair table.
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
        fail(
          `off-diagonal Lennard-Jones parameters (NBFIX) between atom types ${a + 1} and ${b + 1} are not supported by the native engine; use --engine openmm`,
        );
    }
  }
  const sigmaOf = (rHalf: number) => rHalf * 2 * Math.pow(2, -1 / 6) * ANGSTROM;
  const particles: SystemParameters['nonbonded']['particles'] = charges.map((q, i) => [
    q,
    sigmaOf(rMinHalf[i]!),
    epsilon[i]! * KCAL,
  ]);

  // Torsions and 1-4 pairs.
  const dk = p.real('DIHEDRAL_FORCE_CONSTANT');
  const dn = p.real('DIHEDRAL_PERIODICITY');
  const dphase = p.real('DIHEDRAL_PHASE');
  const scee = p.has('SCEE_SCALE_FACTOR') ? p.real('SCEE_SCALE_FACTOR') : undefined;
  const scnb = p.has('SCNB_SCALE_FACTOR') ? p.real('SCNB_SCALE_FACTOR') : undefined;
  const periodicTorsions: SystemParameters['periodicTorsions'] = [];
  const exceptions: SystemParameters['nonbonded']['exceptions'] = [];
  const pairKey = (i: number, j: number) => Math.min(i, j) * n + Math.max(i, j);
  const exceptionAt = new Map<number, number>();
  for (const section of ['DIHEDRALS_INC_HYDROGEN', 'DIHEDRALS_WITHOUT_HYDROGEN']) {
    const d = p.int(section);
    for (let k = 0; k < d.length; k += 5) {
      const row = k / 5;
      const i = atomIndex(d[k]!, section, row);
      const j = atomIndex(d[k + 1]!, section, row);
      const kk = atomIndex(d[k + 2]!, section, row);
      const l = atomIndex(d[k + 3]!, section, row);
      const t = typeIndex(d[k + 4]!, dk.length, section, row);
      const periodicity = Math.trunc(0.5 + dn[t]!);
      if (periodicity < 1)
        fail(`section DIHEDRAL_PERIODICITY: dihedral type ${t + 1} has periodicity ${dn[t]}, which is not supported`);
      periodicTorsions.push([i, j, kk, l, periodicity, dphase[t]!, dk[t]! * KCAL]);
      // A negative third index means "1-4 already counted", a negative fourth an improper.
      if (d[k + 2]! > 0 && d[k + 3]! > 0) {
        const ee = scee ? scee[t]! : 1.2;
        const nb = scnb ? scnb[t]! : 2.0;
        if (!(ee > 0) || !(nb > 0))
          fail(`dihedral type ${t + 1} has a zero or negative 1-4 scale factor (SCEE ${ee}, SCNB ${nb})`);
        const key = pairKey(i, l);
        if (exceptionAt.has(key))
          fail(
            `section ${section}: the 1-4 pair of atoms ${i} and ${l} is listed twice (entry ${row + 1}); mark repeats with a negative third index`,
          );
        exceptionAt.set(key, exceptions.length);
        const sigma = (rMinHalf[i]! + rMinHalf[l]!) * Math.pow(2, -1 / 6) * ANGSTROM;
        const eps = (Math.sqrt(epsilon[i]! * epsilon[l]!) * KCAL) / nb;
        exceptions.push([i, l, (charges[i]! * charges[l]!) / ee, sigma, eps]);
      }
    }
  }

  // Excluded pairs (1-2, 1-3) become zero exceptions, after the 1-4 ones as in OpenMM.
  const numExcluded = p.int('NUMBER_EXCLUDED_ATOMS');
  const excludedList = p.int('EXCLUDED_ATOMS_LIST');
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const count = numExcluded[i]!;
    if (count < 0 || offset + count > excludedList.length)
      fail(
        `section NUMBER_EXCLUDED_ATOMS: atom ${i} claims ${count} exclusions beyond the ${excludedList.length} entries of EXCLUDED_ATOMS_LIST`,
      );
    for (let k = offset; k < offset + count; k++) {
      const j1 = excludedList[k]!;
      if (j1 <= 0) continue; // 0 is AMBER's placeholder for "no exclusions"
      const j = j1 - 1;
      if (j >= n) fail(`section EXCLUDED_ATOMS_LIST: entry ${k + 1} names atom ${j1}, beyond NATOM = ${n}`);
      if (j === i) continue;
      const key = pairKey(i, j);
      if (exceptionAt.has(key)) continue;
      exceptionAt.set(key, exceptions.length);
      exceptions.push([i, j, 0, 0.1, 0]);
    }
    offset += count;
  }

  let gb: GbParameters | null = null;
  const solvent = options.solvent ?? 'obc2';
  if (solvent !== 'vacuum') {
    if (!p.has('RADII') || !p.has('SCREEN'))
      fail(
        `implicit solvent ${solvent} needs GB radii, but sections RADII/SCREEN are missing (set PBRadii in tleap, or use solvent "vacuum")`,
      );
    const radii = p.real('RADII');
    const screen = p.real('SCREEN');
    gb = {
      model: solvent,
      solventDielectric: options.solventDielectric ?? 78.5,
      soluteDielectric: options.soluteDielectric ?? 1.0,
      surfaceAreaEnergy: options.surfaceAreaEnergy ?? 2.25936,
      particles: charges.map((q, i) => {
        const r = radii[i]! * ANGSTROM;
        if (!(r > 0.009))
          fail(`section RADII: atom ${i} has radius ${radii[i]} Å; GB radii must exceed the 0.09 Å dielectric offset`);
        return [q, r, screen[i]!];
      }),
    };
  }
  return {
    format: 'embedcg-system',
    version: 1,
    atoms,
    bonds,
    harmonicBonds,
    harmonicAngles,
    periodicTorsions,
    nonbonded: { particles, exceptions },
    gb,
  };
}
