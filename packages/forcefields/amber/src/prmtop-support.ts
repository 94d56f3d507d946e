/** The prmtop features the native engine refuses, each with an error that names the feature. */
import { InputError } from '@embedcg/core';
import type { Prmtop } from './prmtop.js';

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
