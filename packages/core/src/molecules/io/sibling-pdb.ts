/**
 * A DCD holds coordinates but no atom names. `embedcg sample` and `embedcg md` write OUT.pdb
 * beside OUT.dcd, and that PDB stands for the trajectory's topology wherever a DCD meets a system
 * (the atom-order checks of `energy`, `cvs`, `evaluate`/`report --reference`, the force fields'
 * `coordinates`).
 */
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import type { NamedCoordinates } from '../system/atom-order.js';
import { readPdb } from './pdb.js';

/**
 * The atoms (and first frame) of the PDB beside a DCD of `nAtoms` atoms, with its path; undefined
 * for another format, when there is no such PDB, or when it holds another number of atoms (then it
 * is not this trajectory's topology).
 */
export function siblingPdb(path: string, nAtoms: number): (NamedCoordinates & { from: string }) | undefined {
  const ext = extname(path);
  if (ext.toLowerCase() !== '.dcd') return undefined;
  const from = path.slice(0, path.length - ext.length) + '.pdb';
  if (!existsSync(from)) return undefined;
  const f = readPdb(from);
  if (f.atoms.length !== nAtoms) return undefined;
  return { atoms: f.atoms, positions: f.positions.subarray(0, 3 * nAtoms), from };
}
