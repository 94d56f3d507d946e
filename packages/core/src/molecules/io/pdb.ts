/**
 * PDB reader and writer (ATOM/HETATM, MODEL/ENDMDL, CONECT, CRYST1), coordinates converted
 * between the file's Å and embedcg's nm.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../../errors.js';
import type { Atom } from '../../contracts/force-field.js';
import { ELEMENT_MASSES, guessElement, type MolecularFrames } from './frames.js';

/** Parse PDB text. `source` names the file in error messages. All models must hold the same atoms. */
export function parsePdb(text: string, source = 'PDB input'): MolecularFrames {
  const lines = text.split(/\r?\n/);
  const atoms: Atom[] = [];
  const coords: number[] = [];
  const serialToIndex = new Map<number, number>();
  const bonds: Array<[number, number]> = [];
  const cells: number[] = [];
  let nFrames = 0;
  let inModel = false;
  let atomInFrame = 0;
  let lastResidueKey: string | undefined;
  let residueIndex = -1;
  let sawModel = false;

  const finishFrame = (lineNo: number) => {
    if (atomInFrame === 0) return;
    if (nFrames > 0 && atomInFrame !== atoms.length) {
      throw new InputError(
        `${source}: model ${nFrames + 1} (ending at line ${lineNo}) has ${atomInFrame} atoms, but model 1 has ${atoms.length}`,
        source,
      );
    }
    nFrames++;
    atomInFrame = 0;
  };

  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!;
    const rec = line.slice(0, 6).trimEnd();
    if (rec === 'MODEL') {
      if (inModel) finishFrame(ln + 1);
      inModel = true;
      sawModel = true;
    } else if (rec === 'ENDMDL') {
      finishFrame(ln + 1);
      inModel = false;
    } else if (rec === 'ATOM' || rec === 'HETATM') {
      if (line.length < 54)
        throw new InputError(
          `${source}: line ${ln + 1}: ${rec} record is too short for coordinates (${line.length} < 54 characters)`,
          source,
        );
      const x = Number(line.slice(30, 38));
      const y = Number(line.slice(38, 46));
      const z = Number(line.slice(46, 54));
      if (![x, y, z].every((v) => Number.isFinite(v)) || line.slice(30, 54).trim() === '') {
        throw new InputError(`${source}: line ${ln + 1}: unreadable coordinates "${line.slice(30, 54)}"`, source);
      }
      coords.push(x / 10, y / 10, z / 10);
      if (nFrames === 0) {
        const name = line.slice(12, 16).trim();
        const resName = line.slice(17, 20).trim();
        const chain = line.slice(21, 22);
        const resSeq = line.slice(22, 27);
        const key = `${chain}|${resSeq}|${resName}`;
        if (key !== lastResidueKey) {
          residueIndex++;
          lastResidueKey = key;
        }
        let element = line.length >= 78 ? line.slice(76, 78).trim() : '';
        element = element ? element[0]!.toUpperCase() + element.slice(1).toLowerCase() : guessElement(name);
        atoms.push({ name, element, mass: ELEMENT_MASSES[element] ?? 0, residueName: resName, residueIndex });
        const serial = Number(line.slice(6, 11));
        if (Number.isInteger(serial)) serialToIndex.set(serial, atoms.length - 1);
      } else if (atomInFrame >= atoms.length) {
        throw new InputError(
          `${source}: line ${ln + 1}: model ${nFrames + 1} has more atoms than model 1 (${atoms.length})`,
          source,
        );
      }
      atomInFrame++;
    } else if (rec === 'CRYST1' && nFrames === 0 && cells.length === 0) {
      const v = [
        line.slice(6, 15),
        line.slice(15, 24),
        line.slice(24, 33),
        line.slice(33, 40),
        line.slice(40, 47),
        line.slice(47, 54),
      ].map(Number);
      if (v.every((n) => Number.isFinite(n))) cells.push(v[0]! / 10, v[1]! / 10, v[2]! / 10, v[3]!, v[4]!, v[5]!);
    } else if (rec === 'CONECT') {
      const from = serialToIndex.get(Number(line.slice(6, 11)));
      for (const c of [11, 16, 21, 26]) {
        const field = line.slice(c, c + 5).trim();
        if (!field) continue;
        const to = serialToIndex.get(Number(field));
        if (from !== undefined && to !== undefined && from < to) bonds.push([from, to]);
      }
    } else if (rec === 'END' && !inModel) {
      break;
    }
  }
  finishFrame(lines.length);
  if (atoms.length === 0) throw new InputError(`${source}: no ATOM or HETATM records found`, source);
  if (!sawModel && nFrames !== 1) nFrames = 1;
  const result: MolecularFrames = { atoms, nFrames, positions: Float64Array.from(coords) };
  if (result.positions.length !== nFrames * atoms.length * 3) {
    throw new InputError(
      `${source}: inconsistent models (${coords.length / 3} atom records for ${nFrames} models of ${atoms.length} atoms)`,
      source,
    );
  }
  if (bonds.length) result.bonds = bonds;
  if (cells.length) {
    result.unitCells = new Float64Array(nFrames * 6);
    for (let f = 0; f < nFrames; f++) result.unitCells.set(cells, f * 6);
  }
  return result;
}

/** Read a PDB file (all models). */
export function readPdb(path: string): MolecularFrames {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`${path}: cannot read PDB file (${(e as Error).message})`, path);
  }
  return parsePdb(text, path);
}

function fmt(v: number, width: number, digits: number, what: string): string {
  const s = v.toFixed(digits);
  if (s.length > width) throw new RangeError(`PDB writer: ${what} ${s} does not fit in ${width} columns`);
  return s.padStart(width);
}

/** PDB convention: a name shorter than 4 characters whose element has one letter starts in column 14. */
function atomNameField(name: string, element: string): string {
  if (name.length >= 4 || element.length === 2) return name.slice(0, 4).padEnd(4);
  return (' ' + name).padEnd(4);
}

/**
 * Format frames as PDB text: one MODEL per frame when there is more than one, Å with 3 decimals
 * (so a round trip loses up to 5e-5 nm), CONECT records for `bonds` when given.
 */
export function formatPdb(
  frames: MolecularFrames,
  options: { title?: string; bonds?: Array<[number, number]> } = {},
): string {
  const { atoms, nFrames, positions } = frames;
  const n = atoms.length;
  if (positions.length !== nFrames * n * 3) {
    throw new RangeError(`PDB writer: ${positions.length} coordinates for ${nFrames} frames of ${n} atoms`);
  }
  if (n > 99999) throw new RangeError(`PDB writer: ${n} atoms exceed the 99999 serial numbers of the PDB format`);
  const out: string[] = [];
  if (options.title) out.push(`REMARK   1 ${options.title}`.slice(0, 80));
  for (let f = 0; f < nFrames; f++) {
    if (nFrames > 1) out.push(`MODEL     ${String(f + 1).padStart(4)}`);
    for (let a = 0; a < n; a++) {
      const atom = atoms[a]!;
      const o = (f * n + a) * 3;
      if (![0, 1, 2].every((k) => Number.isFinite(positions[o + k]!))) {
        throw new RangeError(`PDB writer: frame ${f}, atom ${a} (${atom.name}) has a non-finite coordinate`);
      }
      const coordinates = [0, 1, 2]
        .map((k) => fmt(positions[o + k]! * 10, 8, 3, `frame ${f} atom ${a} coordinate`))
        .join('');
      out.push(
        'ATOM  ' +
          String(a + 1).padStart(5) +
          ' ' +
          atomNameField(atom.name, atom.element) +
          ' ' +
          atom.residueName.slice(0, 3).padStart(3) +
          ' A' +
          String((atom.residueIndex + 1) % 10000).padStart(4) +
          '    ' +
          coordinates +
          '  1.00  0.00          ' +
          atom.element.toUpperCase().padStart(2),
      );
    }
    out.push(
      'TER   ' +
        String(n + 1).padStart(5) +
        '      ' +
        (atoms[n - 1]?.residueName ?? '').slice(0, 3).padStart(3) +
        ' A' +
        String(((atoms[n - 1]?.residueIndex ?? 0) + 1) % 10000).padStart(4),
    );
    if (nFrames > 1) out.push('ENDMDL');
  }
  const bonds = options.bonds ?? frames.bonds ?? [];
  const partners = new Map<number, number[]>();
  for (const [i, j] of bonds) {
    partners.set(i, [...(partners.get(i) ?? []), j]);
    partners.set(j, [...(partners.get(j) ?? []), i]);
  }
  for (const [i, list] of [...partners].sort((p, q) => p[0] - q[0])) {
    for (let s = 0; s < list.length; s += 4) {
      out.push('CONECT' + [i, ...list.slice(s, s + 4)].map((k) => String(k + 1).padStart(5)).join(''));
    }
  }
  out.push('END');
  return out.join('\n') + '\n';
}

/** Write frames to a PDB file (see {@link formatPdb}). */
export function writePdb(
  path: string,
  frames: MolecularFrames,
  options: { title?: string; bonds?: Array<[number, number]> } = {},
): void {
  writeFileSync(path, formatPdb(frames, options));
}
