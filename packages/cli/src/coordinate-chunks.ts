/**
 * Coordinate files read a chunk of frames at a time, so that `embedcg energy` holds a bounded
 * number of frames at any trajectory length. DCD files are read by offset (core's openDcd); PDB and
 * inpcrd files are text and small in practice, so they are read whole and handed out in chunks.
 */
import { extname } from 'node:path';
import { InputError } from '@embedcg/core';
import { openDcd, siblingPdb, type NamedCoordinates } from '@embedcg/core/molecules';
import { readCoordinateFrames } from '@embedcg/forcefield-amber';

/** Frames start … start + count − 1, nm, frame-major. */
export interface CoordinateChunk {
  start: number;
  count: number;
  positions: Float64Array;
}

/** An open coordinate file. Call close() when done. */
export interface CoordinateSource {
  path: string;
  nAtoms: number;
  nFrames: number;
  /** Atom names and the first frame, when the file has names (PDB) or a DCD its sibling PDB: for the atom-order check. */
  named?: NamedCoordinates;
  /** The file the names come from (the sibling PDB of a DCD). */
  namesFrom?: string;
  chunks(size: number): Iterable<CoordinateChunk>;
  close(): void;
}

/** Open a .dcd for chunked reading, or read a .pdb/.inpcrd/.rst7 whole; problems are InputErrors naming the file. */
export function openCoordinates(path: string, onWarning: (message: string) => void): CoordinateSource {
  if (extname(path).toLowerCase() === '.dcd') {
    const dcd = openDcd(path, { onWarning });
    const sibling = siblingPdb(path, dcd.nAtoms);
    return {
      path,
      nAtoms: dcd.nAtoms,
      nFrames: dcd.nFrames,
      ...(sibling && { named: sibling, namesFrom: sibling.from }),
      chunks: (size) => dcd.chunks(size),
      close: () => dcd.close(),
    };
  }
  const f = readCoordinateFrames(path, { onWarning });
  const D = 3 * f.nAtoms;
  const source: CoordinateSource = {
    path,
    nAtoms: f.nAtoms,
    nFrames: f.nFrames,
    *chunks(size) {
      for (let start = 0; start < f.nFrames; start += size) {
        const count = Math.min(size, f.nFrames - start);
        yield { start, count, positions: f.positions.subarray(start * D, (start + count) * D) };
      }
    },
    close: () => {},
  };
  if (f.atoms) source.named = { atoms: f.atoms, positions: f.positions.subarray(0, D) };
  return source;
}

/** Frames per chunk: up to 1000, fewer for large systems so that a chunk holds about 2^18 coordinates. */
export function framesPerChunk(nAtoms: number): number {
  return Math.max(1, Math.min(1000, Math.floor(2 ** 18 / (3 * nAtoms))));
}

/** A NaN or infinite coordinate is bad input: name the file, the frame and the atom. */
export function checkFinite(path: string, chunk: CoordinateChunk, nAtoms: number): void {
  const x = chunk.positions;
  for (let k = 0; k < x.length; k++) {
    if (!Number.isFinite(x[k]!)) {
      const frame = chunk.start + Math.floor(k / (3 * nAtoms));
      const atom = Math.floor((k % (3 * nAtoms)) / 3);
      throw new InputError(
        `${path}: frame ${frame}, atom ${atom} has a non-finite coordinate (${x[k]}); frames are numbered from 0`,
        path,
      );
    }
  }
}
