/**
 * prmtop → SystemParameters, following what OpenMM's AmberPrmtopFile.createSystem builds
 * (openmm/app/internal/amber_file_parser.py, readAmberSystem) with NoCutoff, no constraints:
 * - bonds/angles: AMBER E = K (x − x0)², OpenMM E = k/2 (x − x0)², so k = 2K (×4.184, ×100 for Å⁻²→nm⁻²)
 * - torsions: every DIHEDRALS_* entry (propers and impropers), |third| and |fourth| indices
 * - charges: CHARGE / 18.2223; LJ per atom from the type's diagonal A/B coefficients
 * - 1-4 pairs: dihedrals whose third and fourth indices are positive, scaled by SCEE/SCNB
 *   (defaults 1.2 / 2.0), added as exceptions first; then EXCLUDED_ATOMS_LIST as zero exceptions
 * - GB: RADII (Å→nm) and SCREEN from the prmtop
 * Content the evaluator cannot represent is refused with an error that names the feature
 * (prmtop-support.ts); the nonbonded part is in prmtop-nonbonded.ts.
 */
import { ANGSTROM, KCAL, PrmtopFields } from './prmtop-fields.js';
import { readLennardJones, readTorsionsAndExceptions } from './prmtop-nonbonded.js';
import { checkPrmtopSupported } from './prmtop-support.js';
import { readPrmtop, type Prmtop } from './prmtop.js';
import { checkCmapSections } from './prmtop-cmap.js';
import type { GbParameters, SystemParameters } from './system.js';
import { prmtopAtoms } from './prmtop-topology.js';

/** Options of {@link prmtopToSystem}. */
export interface PrmtopToSystemOptions {
  /** Implicit solvent: none, OBC1 (igb=2) or OBC2 (igb=5). Default 'obc2'. */
  solvent?: 'vacuum' | 'obc1' | 'obc2';
  solventDielectric?: number;
  soluteDielectric?: number;
  /** ACE surface-area energy in kJ/mol/nm² (0 disables). Default 2.25936, OpenMM's. */
  surfaceAreaEnergy?: number;
}

/** Build the system's parameters from a parsed prmtop. */
export function prmtopToSystem(p: Prmtop, options: PrmtopToSystemOptions = {}): SystemParameters {
  checkPrmtopSupported(p);
  return prmtopParameters(p, options);
}

/**
 * Read and check a prmtop for another engine (OpenMM): every count, atom pointer and parameter
 * index the native engine reads, and the CMAP sections, but not the refusals of features only the
 * native engine lacks (CMAP, periodic boxes, extra points, …). OpenMM's own reader takes a bond
 * pointer that is no multiple of 3 and evaluates a wrong system without a word.
 */
export function validatePrmtop(path: string, solvent: PrmtopToSystemOptions['solvent'] = 'vacuum'): Prmtop {
  const p = readPrmtop(path);
  prmtopParameters(p, { solvent });
  checkCmapSections(p);
  return p;
}

/** The parameters of every term the native engine evaluates, each index checked. */
function prmtopParameters(p: Prmtop, options: PrmtopToSystemOptions): SystemParameters {
  const r = new PrmtopFields(p);
  const atoms = prmtopAtoms(p);
  const { bonds, harmonicBonds } = readBonds(r);
  const harmonicAngles = readAngles(r);
  const lj = readLennardJones(r);
  const { periodicTorsions, exceptions } = readTorsionsAndExceptions(r, lj);
  return {
    format: 'embedcg-system',
    version: 1,
    atoms,
    bonds,
    harmonicBonds,
    harmonicAngles,
    periodicTorsions,
    nonbonded: { particles: lj.particles, exceptions },
    gb: readGb(r, lj.charges, options),
  };
}

/** Bonds (topology) and harmonic bonds: AMBER E = K (r − r0)², OpenMM E = k/2 (r − r0)². */
function readBonds(r: PrmtopFields): Pick<SystemParameters, 'bonds' | 'harmonicBonds'> {
  const { p } = r;
  const bk = p.real('BOND_FORCE_CONSTANT');
  const br = p.real('BOND_EQUIL_VALUE');
  const bonds: Array<[number, number]> = [];
  const harmonicBonds: SystemParameters['harmonicBonds'] = [];
  for (const section of ['BONDS_INC_HYDROGEN', 'BONDS_WITHOUT_HYDROGEN']) {
    const b = p.int(section);
    for (let k = 0; k < b.length; k += 3) {
      const i = r.atomIndex(b[k]!, section, k / 3);
      const j = r.atomIndex(b[k + 1]!, section, k / 3);
      const t = r.typeIndex(b[k + 2]!, bk.length, section, k / 3);
      bonds.push([i, j]);
      harmonicBonds.push([i, j, br[t]! * ANGSTROM, (2 * bk[t]! * KCAL) / (ANGSTROM * ANGSTROM)]);
    }
  }
  return { bonds, harmonicBonds };
}

/** Harmonic angles (radians), k = 2K as for bonds. */
function readAngles(r: PrmtopFields): SystemParameters['harmonicAngles'] {
  const { p } = r;
  const ak = p.real('ANGLE_FORCE_CONSTANT');
  const at0 = p.real('ANGLE_EQUIL_VALUE');
  const harmonicAngles: SystemParameters['harmonicAngles'] = [];
  for (const section of ['ANGLES_INC_HYDROGEN', 'ANGLES_WITHOUT_HYDROGEN']) {
    const a = p.int(section);
    for (let k = 0; k < a.length; k += 4) {
      const t = r.typeIndex(a[k + 3]!, ak.length, section, k / 4);
      harmonicAngles.push([
        r.atomIndex(a[k]!, section, k / 4),
        r.atomIndex(a[k + 1]!, section, k / 4),
        r.atomIndex(a[k + 2]!, section, k / 4),
        at0[t]!,
        2 * ak[t]! * KCAL,
      ]);
    }
  }
  return harmonicAngles;
}

/** GB parameters from RADII (Å → nm) and SCREEN; null in vacuum. */
function readGb(r: PrmtopFields, charges: number[], options: PrmtopToSystemOptions): GbParameters | null {
  const { p } = r;
  const solvent = options.solvent ?? 'obc2';
  if (solvent === 'vacuum') return null;
  if (!p.has('RADII') || !p.has('SCREEN'))
    r.fail(
      `implicit solvent ${solvent} needs GB radii, but sections RADII/SCREEN are missing (set PBRadii in tleap, or use solvent "vacuum")`,
    );
  const radii = p.real('RADII');
  const screen = p.real('SCREEN');
  return {
    model: solvent,
    solventDielectric: options.solventDielectric ?? 78.5,
    soluteDielectric: options.soluteDielectric ?? 1.0,
    surfaceAreaEnergy: options.surfaceAreaEnergy ?? 2.25936,
    particles: charges.map((q, i) => {
      const rad = radii[i]! * ANGSTROM;
      if (!(rad > 0.009))
        r.fail(`section RADII: atom ${i} has radius ${radii[i]} Å; GB radii must exceed the 0.09 Å dielectric offset`);
      return [q, rad, screen[i]!];
    }),
  };
}
