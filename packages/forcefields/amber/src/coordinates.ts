/**
 * Reading coordinates for a system from any supported file: inpcrd/rst7, PDB (all models) or DCD
 * (all frames). Frames come back in nm, frame-major.
 */
import { extname } from 'node:path';
import { InputError } from '@embedcg/core';
import { readDcd, readPdb } from '@embedcg/core/molecules';
import { readInpcrd } from './inpcrd.js';

/** Frames read from a coordinate file. */
export interface CoordinateFrames {
  nAtoms: number;
  nFrames: number;
  /** nFrames × nAtoms × 3, nm. */
  positions: Float64Array;
  /** The format that was read. */
  format: 'inpcrd' | 'pdb' | 'dcd';
}

/** Read all frames of a coordinate file, choosing the reader by extension (.pdb, .dcd, else inpcrd/rst7). */
export function readCoordinateFrames(path: string): CoordinateFrames {
  const ext = extname(path).toLowerCase();
  if (ext === '.pdb' || ext === '.ent') {
    const f = readPdb(path);
    return { nAtoms: f.atoms.length, nFrames: f.nFrames, positions: f.positions, format: 'pdb' };
  }
  if (ext === '.dcd') {
    const t = readDcd(path);
    return { nAtoms: t.nAtoms, nFrames: t.nFrames, positions: t.positions, format: 'dcd' };
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

/** Check that frames fit a system of `nAtoms` atoms. */
export function checkFrameAtoms(path: string, frames: CoordinateFrames, nAtoms: number, systemSource: string): void {
  if (frames.nAtoms !== nAtoms) {
    throw new InputError(`${path}: has ${frames.nAtoms} atoms, but ${systemSource} has ${nAtoms}`, path);
  }
  if (frames.nFrames === 0) throw new InputError(`${path}: contains no frames`, path);
}
