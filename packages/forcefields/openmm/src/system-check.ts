/**
 * The native checks of a system's files, before OpenMM reads them. OpenMM's readers take a prmtop
 * whose bond pointer is no multiple of 3 and evaluate a wrong system without a word, and they take
 * a PDB's positions in file order whatever atoms it lists. Here:
 * - a prmtop is checked as the native AMBER engine checks it (counts, atom pointers, parameter
 *   indices, GB radii for the solvent, CMAP sections), without that engine's refusals of what only
 *   it lacks: CMAP, periodic boxes and extra points still go to OpenMM;
 * - a PDB paired with a system (the coordinates, or the topology of a System XML) must list the
 *   system's atoms in its order (core's checkAtomOrder; a System XML knows only its masses, so
 *   there the elements they give are compared).
 * Every refusal is an InputError naming the file.
 */
import { InputError, type Topology } from '@embedcg/core';
import { checkAtomOrder, loadSystemJson, readPdb } from '@embedcg/core/molecules';
import { prmtopTopology, validatePrmtop } from '@embedcg/forcefield-amber';
import { systemXmlTopology } from './system-xml.js';

/** The resolved (absolute) file names of a system request, as systemSpec builds them. */
export interface SystemFiles {
  prmtop?: string;
  systemXml?: string;
  systemJson?: string;
  pdb?: string;
  coordinates?: string;
  solvent?: 'vacuum' | 'obc1' | 'obc2';
}

const isPdb = (path: string) => /\.(pdb|ent)$/i.test(path);

/** Check the files of a system request; returns the system's topology as the native readers see it. */
export function checkSystemFiles(files: SystemFiles): Topology | undefined {
  let topology: Topology | undefined;
  let label: string | undefined;
  if (files.prmtop) {
    topology = prmtopTopology(validatePrmtop(files.prmtop, files.solvent));
    label = files.prmtop;
  } else if (files.systemJson) {
    const s = loadSystemJson(files.systemJson);
    topology = { atoms: s.atoms, bonds: s.bonds };
    label = files.systemJson;
  } else if (files.systemXml) {
    topology = systemXmlTopology(files.systemXml);
    label = files.systemXml;
  }
  if (files.pdb) {
    // The topology of a System XML, or the system itself (with force-field XML files).
    if (topology) checkPdbAgainst(files.pdb, topology, label!);
    const pdb = readPdb(files.pdb);
    topology = { atoms: pdb.atoms, bonds: pdb.bonds ?? [] };
    label = files.pdb;
  }
  const coords = files.coordinates;
  if (topology && coords && isPdb(coords) && coords !== files.pdb) checkPdbAgainst(coords, topology, label!);
  return topology;
}

/** A PDB's atom count and order (first model) against a topology that `label` names. */
function checkPdbAgainst(path: string, topology: Topology, label: string): void {
  const pdb = readPdb(path);
  const n = topology.atoms.length;
  if (pdb.atoms.length !== n)
    throw new InputError(`${path}: has ${pdb.atoms.length} atoms, but ${label} has ${n}`, path);
  checkAtomOrder(path, { atoms: pdb.atoms, positions: pdb.positions.subarray(0, 3 * n) }, topology, label);
}

/**
 * An OpenMM server failing to build the system, as an error naming the force field and the file.
 * Python's refusal of the file (`KeyError: 'POINTERS'`, a bad XML) is bad input; a child that died
 * or hung, and a missing OpenMM, keep their own errors.
 */
export function setupFailure(name: string, file: string, e: unknown): Error {
  const err = e as Error;
  if (err?.name !== 'OpenMMRequestError') return err;
  return new InputError(`${name}: OpenMM cannot build the system from ${file}: ${err.message}`, file);
}
