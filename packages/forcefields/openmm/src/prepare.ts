/**
 * prepareSystem: build a system in OpenMM and export it as system.json (+ optional PDB).
 */
import { writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { OpenMMChild } from './child.js';
import { systemSpec, type SystemSource } from './force-field.js';
import { checkSystemFiles, type SystemFiles } from './system-check.js';
import { findPython } from './python.js';
import { formatSystemJson, type SystemParameters as SystemJson } from '@embedcg/core/molecules';

export interface PrepareOptions extends SystemSource {
  /** Write system.json here (optional: the result is returned either way). */
  out?: string;
  /** Write the structure (after minimisation, if asked) as PDB here; needs coordinates. */
  outPdb?: string;
  /** Minimise the coordinates in OpenMM before writing the PDB. */
  minimize?: boolean;
  /** Minimiser tolerance, kJ/mol/nm (default 1). */
  tolerance?: number;
  platform?: string;
  python?: string;
}

export interface PrepareResult {
  system: SystemJson;
  /** Coordinates (nm, n_atoms×3) when the source had any; minimised when asked. */
  positions?: Float64Array;
  /** Potential energy after minimisation, kJ/mol. */
  minimizedEnergy?: number;
}

/**
 * Build the system in OpenMM and convert it to the embedcg system.json format. Refuses, naming
 * the force, systems holding forces the format cannot express (custom forces, cutoffs).
 */
export async function prepareSystem(options: PrepareOptions): Promise<PrepareResult> {
  const { spec, arrays } = systemSpec(options);
  checkSystemFiles(spec as SystemFiles);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(options.baseDir ?? process.cwd(), p));
  const child = new OpenMMChild(findPython(options.python).python, 'openmm prepare');
  try {
    const f = await child.request(
      {
        cmd: 'export',
        ...spec,
        platform: options.platform ?? 'Reference',
        // A structure built from ideal internal coordinates is strained: always minimised.
        minimize: !!options.minimize || !!options.sequence,
        tolerance: options.tolerance ?? 1,
        outPdb: options.outPdb ? abs(options.outPdb) : undefined,
      },
      arrays,
    );
    const system = f.header.system as SystemJson;
    if (options.out) await writeFile(abs(options.out), formatSystemJson(system));
    const result: PrepareResult = { system };
    if (f.arrays.positions) result.positions = f.arrays.positions;
    if (typeof f.header.minimizedEnergy === 'number') result.minimizedEnergy = f.header.minimizedEnergy;
    return result;
  } finally {
    await child.close();
  }
}
