/**
 * XYZ files: blocks of "count / comment / element x y z" lines in Å, one block per frame.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { ELEMENT_MASSES, type MolecularFrames } from './frames.js';

/** Parse XYZ text (one or more frames with the same atoms). `source` names it in errors. */
export function parseXyz(text: string, source = 'XYZ input'): MolecularFrames {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  const coords: number[] = [];
  let atoms: MolecularFrames['atoms'] | undefined;
  let ln = 0;
  let nFrames = 0;
  while (ln < lines.length) {
    const count = Number(lines[ln]!.trim());
    if (!Number.isInteger(count) || count <= 0)
      throw new InputError(
        `${source}: line ${ln + 1}: expected the atom count of frame ${nFrames}, got "${lines[ln]!.trim()}"`,
        source,
      );
    if (atoms && count !== atoms.length)
      throw new InputError(`${source}: frame ${nFrames} has ${count} atoms, frame 0 has ${atoms.length}`, source);
    if (ln + 1 + count >= lines.length) {
      throw new InputError(
        `${source}: truncated: frame ${nFrames} announces ${count} atoms but the file ends after ${Math.max(0, lines.length - ln - 2)}`,
        source,
      );
    }
    const frameAtoms: MolecularFrames['atoms'] = [];
    for (let a = 0; a < count; a++) {
      const lineNo = ln + 2 + a;
      const fields = lines[lineNo]!.trim().split(/\s+/);
      const [el, xs, ys, zs] = fields;
      const xyz = [xs, ys, zs].map(Number);
      if (fields.length < 4 || !xyz.every((v) => Number.isFinite(v))) {
        throw new InputError(
          `${source}: line ${lineNo + 1}: expected "element x y z", got "${lines[lineNo]!.trim()}"`,
          source,
        );
      }
      coords.push(xyz[0]! / 10, xyz[1]! / 10, xyz[2]! / 10);
      const element = el!.length > 1 ? el![0]!.toUpperCase() + el!.slice(1).toLowerCase() : el!.toUpperCase();
      frameAtoms.push({ name: el!, element, mass: ELEMENT_MASSES[element] ?? 0, residueName: 'UNK', residueIndex: 0 });
    }
    atoms ??= frameAtoms;
    ln += 2 + count;
    nFrames++;
  }
  if (!atoms) throw new InputError(`${source}: empty XYZ file`, source);
  return { atoms, nFrames, positions: Float64Array.from(coords) };
}

/** Read an XYZ file. */
export function readXyz(path: string): MolecularFrames {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`${path}: cannot read XYZ file (${(e as Error).message})`, path);
  }
  return parseXyz(text, path);
}

/** Format frames as XYZ text (Å, 6 decimals). */
export function formatXyz(frames: MolecularFrames, comment = 'embedcg'): string {
  const n = frames.atoms.length;
  if (frames.positions.length !== frames.nFrames * n * 3)
    throw new RangeError(
      `XYZ writer: ${frames.positions.length} coordinates for ${frames.nFrames} frames of ${n} atoms`,
    );
  const out: string[] = [];
  for (let f = 0; f < frames.nFrames; f++) {
    out.push(String(n), `${comment} frame ${f}`);
    for (let a = 0; a < n; a++) {
      const o = (f * n + a) * 3;
      const p = frames.positions;
      out.push(
        `${frames.atoms[a]!.element || 'X'} ${(p[o]! * 10).toFixed(6)} ${(p[o + 1]! * 10).toFixed(6)} ${(p[o + 2]! * 10).toFixed(6)}`,
      );
    }
  }
  return out.join('\n') + '\n';
}

/** Write frames to an XYZ file. */
export function writeXyz(path: string, frames: MolecularFrames, comment?: string): void {
  writeFileSync(path, formatXyz(frames, comment));
}
