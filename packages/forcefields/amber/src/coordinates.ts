/**
 * Reading coordinates for a system from any supported file: inpcrd/rst7, PDB (all models) or DCD
 * (all frames). Frames come back in nm, frame-major.
 */
import { extname } from 'node:path';
import { InputError, type Atom, type Topology } from '@embedcg/core';
import { checkAtomOrder, readDcd, readPdb, siblingPdb, type DcdReadOptions } from '@embedcg/core/molecules';
import { readInpcrd } from './inpcrd.js';

/** Frames read from a coordinate file. */
export interface CoordinateFrames {
  nAtoms: number;
  nFrames: number;
  /** nFrames × nAtoms × 3, nm. */
  positions: Float64Array;
  /** The format that was read. */
  format: 'inpcrd' | 'pdb' | 'dcd';
  /** Atom names, elements and residues, when the format has them (PDB) or a DCD has a sibling PDB. */
  atoms?: Atom[];
  /** The file the atom names come from, when not `path` itself (a DCD's sibling PDB). */
  namesFrom?: string;
}

/** Read all frames of a coordinate file, choosing the reader by extension (.pdb, .dcd, else inpcrd/rst7). */
export function readCoordinateFrames(path: string, options: DcdReadOptions = {}): CoordinateFrames {
  const ext = extname(path).toLowerCase();
  if (ext === '.pdb' || ext === '.ent') {
    const f = readPdb(path);
    return { nAtoms: f.atoms.length, nFrames: f.nFrames, positions: f.positions, format: 'pdb', atoms: f.atoms };
  }
  if (ext === '.dcd') {
    const t = readDcd(path, options);
    const sibling = siblingPdb(path, t.nAtoms);
    const names = sibling && { atoms: sibling.atoms as Atom[], namesFrom: sibling.from };
    return { nAtoms: t.nAtoms, nFrames: t.nFrames, positions: t.positions, format: 'dcd', ...names };
  }
  if (ext === '.nc' || ext === '.ncrst' || ext === '.ncdf') {
    throw new InputError(
      `${path}: NetCDF files are not supported; use an ASCII inpcrd/rst7, a PDB or a DCD file`,
      path,
    );
  }
  const c = readInpcrd(path);
  return { nAtoms: c.nAtoms, nFrames: 1, positions: c.positions, format: 'inpcrd' };
}

/**
 * Check that frames fit a system: the atom count, and for a file with atom names (PDB) the atom
 * order (core's checkAtomOrder: residues, elements, names after the PDB aliases).
 */
export function checkFrameAtoms(
  path: string,
  frames: CoordinateFrames,
  topology: Pick<Topology, 'atoms' | 'bonds'>,
  systemSource: string,
): void {
  const nAtoms = topology.atoms.length;
  if (frames.nAtoms !== nAtoms) {
    throw new InputError(`${path}: has ${frames.nAtoms} atoms, but ${systemSource} has ${nAtoms}`, path);
  }
  if (frames.nFrames === 0) throw new InputError(`${path}: contains no frames`, path);
  if (frames.atoms)
    checkAtomOrder(
      path,
      { atoms: frames.atoms, positions: frames.positions },
      topology,
      systemSource,
      frames.namesFrom,
    );
}
