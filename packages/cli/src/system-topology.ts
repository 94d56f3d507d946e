/**
 * A PDB given as --coords beside a --prmtop or --system-json (md, prepare) must list the atoms of
 * that system in its order. Checked natively before OpenMM starts, with core's rule (residues,
 * elements, names after the PDB aliases); OpenMM itself takes the positions in file order.
 */
import { extname } from 'node:path';
import { InputError, type Topology } from '@embedcg/core';
import { checkAtomOrder, loadSystemJson, readPdb } from '@embedcg/core/molecules';
import { prmtopTopology, readPrmtop } from '@embedcg/forcefield-amber';

/** The atoms and bonds a --prmtop or --system-json names. */
export function systemTopology(source: { prmtop?: string; systemJson?: string }): Topology | undefined {
  if (source.prmtop) return prmtopTopology(readPrmtop(source.prmtop));
  if (source.systemJson) {
    const s = loadSystemJson(source.systemJson);
    return { atoms: s.atoms, bonds: s.bonds };
  }
  return undefined;
}

/** Check a PDB --coords against the --prmtop / --system-json system (nothing to check otherwise). */
export function checkCoordsAgainstSystem(source: {
  prmtop?: string;
  systemJson?: string;
  coordinates?: unknown;
}): void {
  const coords = source.coordinates;
  if (typeof coords !== 'string' || !['.pdb', '.ent'].includes(extname(coords).toLowerCase())) return;
  const topology = systemTopology(source);
  if (!topology) return;
  const label = (source.prmtop ?? source.systemJson)!;
  const pdb = readPdb(coords);
  const n = topology.atoms.length;
  if (pdb.atoms.length !== n)
    throw new InputError(`${coords}: has ${pdb.atoms.length} atoms, but ${label} has ${n}`, coords);
  checkAtomOrder(coords, { atoms: pdb.atoms, positions: pdb.positions.subarray(0, 3 * n) }, topology, label);
}
