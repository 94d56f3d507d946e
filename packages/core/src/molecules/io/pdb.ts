/**
 * PDB reader and writer (ATOM/HETATM, MODEL/ENDMDL, CONECT, CRYST1), coordinates converted
 * between the file's Å and embedcg's nm.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../../errors.js';
import type { Atom } from '../../contracts/force-field.js';
import { ELEMENT_MASSES, guessElement, type MolecularFrames } from './frames.js';

/** The state of a PDB parse, line by line; the first model sets the atoms. */
class PdbReader {
  readonly atoms: Atom[] = [];
  readonly coords: number[] = [];
  readonly serialToIndex = new Map<number, number>();
  readonly bonds: Array<[number, number]> = [];
  readonly cells: number[] = [];
  nFrames = 0;
  inModel = false;
  atomInFrame = 0;
  lastResidueKey: string | undefined;
  residueIndex = -1;
  sawModel = false;

  constructor(readonly source: string) {}

  fail(message: string): never {
    throw new InputError(`${this.source}: ${message}`, this.source);
  }

  finishFrame(lineNo: number): void {
    if (this.atomInFrame === 0) return;
    if (this.nFrames > 0 && this.atomInFrame !== this.atoms.length) {
      this.fail(
        `model ${this.nFrames + 1} (ending at line ${lineNo}) has ${this.atomInFrame} atoms, but model 1 has ${this.atoms.length}`,
      );
    }
    this.nFrames++;
    this.atomInFrame = 0;
  }

  /** Read one line (ln zero-based); false at the END record. */
  read(line: string, ln: number): boolean {
    const rec = line.slice(0, 6).trimEnd();
    if (rec === 'MODEL') {
      if (this.inModel) this.finishFrame(ln + 1);
      this.inModel = true;
      this.sawModel = true;
    } else if (rec === 'ENDMDL') {
      this.finishFrame(ln + 1);
      this.inModel = false;
    } else if (rec === 'ATOM' || rec === 'HETATM') this.atom(line, ln, rec);
    else if (rec === 'CRYST1' && this.nFrames === 0 && this.cells.length === 0) this.cryst1(line);
    else if (rec === 'CONECT') this.conect(line);
    else if (rec === 'END' && !this.inModel) return false;
    return true;
  }

  atom(line: string, ln: number, rec: string): void {
    if (line.length < 54)
      this.fail(`line ${ln + 1}: ${rec} record is too short for coordinates (${line.length} < 54 characters)`);
    const x = Number(line.slice(30, 38));
    const y = Number(line.slice(38, 46));
    const z = Number(line.slice(46, 54));
    if (![x, y, z].every((v) => Number.isFinite(v)) || line.slice(30, 54).trim() === '') {
      this.fail(`line ${ln + 1}: unreadable coordinates "${line.slice(30, 54)}"`);
    }
    this.coords.push(x / 10, y / 10, z / 10);
    if (this.nFrames === 0) this.firstModelAtom(line);
    else if (this.atomInFrame >= this.atoms.length) {
      this.fail(`line ${ln + 1}: model ${this.nFrames + 1} has more atoms than model 1 (${this.atoms.length})`);
    }
    this.atomInFrame++;
  }

  firstModelAtom(line: string): void {
    const name = line.slice(12, 16).trim();
    const resName = line.slice(17, 20).trim();
    const chain = line.slice(21, 22);
    const resSeq = line.slice(22, 27);
    const key = `${chain}|${resSeq}|${resName}`;
    if (key !== this.lastResidueKey) {
      this.residueIndex++;
      this.lastResidueKey = key;
    }
    let element = line.length >= 78 ? line.slice(76, 78).trim() : '';
    element = element ? element[0]!.toUpperCase() + element.slice(1).toLowerCase() : guessElement(name);
    this.atoms.push({
      name,
      element,
      mass: ELEMENT_MASSES[element] ?? 0,
      residueName: resName,
      residueIndex: this.residueIndex,
    });
    const serial = Number(line.slice(6, 11));
    if (Number.isInteger(serial)) this.serialToIndex.set(serial, this.atoms.length - 1);
  }

  cryst1(line: string): void {
    const v = [
      line.slice(6, 15),
      line.slice(15, 24),
      line.slice(24, 33),
      line.slice(33, 40),
      line.slice(40, 47),
      line.slice(47, 54),
    ].map(Number);
    if (v.every((n) => Number.isFinite(n))) this.cells.push(v[0]! / 10, v[1]! / 10, v[2]! / 10, v[3]!, v[4]!, v[5]!);
  }

  conect(line: string): void {
    const from = this.serialToIndex.get(Number(line.slice(6, 11)));
    for (const c of [11, 16, 21, 26]) {
      const field = line.slice(c, c + 5).trim();
      if (!field) continue;
      const to = this.serialToIndex.get(Number(field));
      if (from !== undefined && to !== undefined && from < to) this.bonds.push([from, to]);
    }
  }

  /** The frames read, after the last line (`nLines` lines in all). */
  finish(nLines: number): MolecularFrames {
    this.finishFrame(nLines);
    const { atoms, coords, bonds, cells } = this;
    if (atoms.length === 0) this.fail('no ATOM or HETATM records found');
    if (!this.sawModel && this.nFrames !== 1) this.nFrames = 1;
    const nFrames = this.nFrames;
    const result: MolecularFrames = { atoms, nFrames, positions: Float64Array.from(coords) };
    if (result.positions.length !== nFrames * atoms.length * 3) {
      this.fail(
        `inconsistent models (${coords.length / 3} atom records for ${nFrames} models of ${atoms.length} atoms)`,
      );
    }
    if (bonds.length) result.bonds = bonds;
    if (cells.length) {
      result.unitCells = new Float64Array(nFrames * 6);
      for (let f = 0; f < nFrames; f++) result.unitCells.set(cells, f * 6);
    }
    return result;
  }
}

/** Parse PDB text. `source` names the file in error messages. All models must hold the same atoms. */
export function parsePdb(text: string, source = 'PDB input'): MolecularFrames {
  const lines = text.split(/\r?\n/);
  const reader = new PdbReader(source);
  for (let ln = 0; ln < lines.length; ln++) if (!reader.read(lines[ln]!, ln)) break;
  return reader.finish(lines.length);
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
