/**
 * Reader of AMBER parm7 topology files ("new style", with `%FLAG` / `%FORMAT` sections, as
 * written by tleap, ParmEd and AMBER ≥ 7). Every section is read into a typed array by its
 * Fortran format; counts are checked against POINTERS so that a truncated or inconsistent file
 * fails here, naming the file and the section, instead of producing a wrong system later.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '@embedcg/core';
import {
  parseFortranFormat,
  parseFortranInt,
  parseFortranReal,
  splitFixedWidth,
  type FortranFormat,
} from './fortran-format.js';

/** One `%FLAG` section with its data converted by its `%FORMAT`. */
export interface PrmtopSection {
  flag: string;
  /** The format text inside `%FORMAT(...)`, e.g. "10I8". */
  formatText: string;
  format: FortranFormat;
  /** Integers → Int32Array, reals → Float64Array, text → trimmed strings. */
  data: Int32Array | Float64Array | string[];
}

/** Names of the POINTERS entries, in file order (AMBER file-format specification). */
export const POINTER_NAMES = [
  'NATOM',
  'NTYPES',
  'NBONH',
  'MBONA',
  'NTHETH',
  'MTHETA',
  'NPHIH',
  'MPHIA',
  'NHPARM',
  'NPARM',
  'NNB',
  'NRES',
  'NBONA',
  'NTHETA',
  'NPHIA',
  'NUMBND',
  'NUMANG',
  'NPTRA',
  'NATYP',
  'NPHB',
  'IFPERT',
  'NBPER',
  'NGPER',
  'NDPER',
  'MBPER',
  'MGPER',
  'MDPER',
  'IFBOX',
  'NMXRS',
  'IFCAP',
  'NUMEXTRA',
  'NCOPY',
] as const;
export type PointerName = (typeof POINTER_NAMES)[number];

/** A parsed prmtop file: its sections by flag, in file order, plus typed accessors. */
export class Prmtop {
  constructor(
    /** File name (or label) used in error messages. */
    readonly source: string,
    /** The `%VERSION` line, when present. */
    readonly version: string | undefined,
    /** Sections by flag name. */
    readonly sections: ReadonlyMap<string, PrmtopSection>,
  ) {}

  /** The TITLE section joined into one line. */
  get title(): string {
    const t = this.sections.get('TITLE') ?? this.sections.get('CTITLE');
    return t && Array.isArray(t.data) ? t.data.join('').trim() : '';
  }

  has(flag: string): boolean {
    return this.sections.has(flag);
  }

  private section(flag: string): PrmtopSection {
    const s = this.sections.get(flag);
    if (!s) throw new InputError(`${this.source}: missing section %FLAG ${flag}`, this.source);
    return s;
  }

  /** An integer section (throws naming the file and section when it is missing or not integers). */
  int(flag: string): Int32Array {
    const s = this.section(flag);
    if (!(s.data instanceof Int32Array))
      throw new InputError(
        `${this.source}: section ${flag} has format (${s.formatText}), expected integers`,
        this.source,
      );
    return s.data;
  }

  /** A real-valued section. */
  real(flag: string): Float64Array {
    const s = this.section(flag);
    if (s.data instanceof Float64Array) return s.data;
    if (s.data instanceof Int32Array) return Float64Array.from(s.data);
    throw new InputError(`${this.source}: section ${flag} has format (${s.formatText}), expected numbers`, this.source);
  }

  /** A text section. */
  text(flag: string): string[] {
    const s = this.section(flag);
    if (!Array.isArray(s.data))
      throw new InputError(`${this.source}: section ${flag} has format (${s.formatText}), expected text`, this.source);
    return s.data;
  }

  /** A POINTERS entry; entries missing from older files (NUMEXTRA, NCOPY) read as 0. */
  pointer(name: PointerName): number {
    const p = this.int('POINTERS');
    const k = POINTER_NAMES.indexOf(name);
    return k < p.length ? p[k]! : 0;
  }
}

/** Read and parse a prmtop file. */
export function readPrmtop(path: string): Prmtop {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`${path}: cannot read prmtop file (${(e as Error).message})`, path);
  }
  return parsePrmtop(text, path);
}

/** Parse prmtop text; `source` names the file in error messages. */
export function parsePrmtop(text: string, source = 'prmtop input'): Prmtop {
  const fail = (msg: string): never => {
    throw new InputError(`${source}: ${msg}`, source);
  };
  const lines = text.split(/\r?\n/);
  const firstContent = lines.find((l) => l.trim() !== '');
  if (firstContent === undefined) fail('empty file');
  if (!firstContent!.startsWith('%')) {
    fail(
      'this is not a new-style (%FLAG/%FORMAT) AMBER prmtop file; old-style (AMBER ≤ 6) topologies are not supported — convert it with ParmEd or tleap',
    );
  }
  const { version, raws } = splitSections(lines, fail);
  const sections = new Map<string, PrmtopSection>();
  for (const r of raws) sections.set(r.flag, convertSection(r, fail));
  const prmtop = new Prmtop(source, version, sections);
  checkCounts(prmtop);
  return prmtop;
}

/** One section's fixed-width fields as text, before conversion by its format. */
interface RawSection {
  flag: string;
  formatText?: string;
  format?: FortranFormat;
  fields: string[];
  /** 1-based line of the %FLAG. */
  line: number;
}

/** The %VERSION and the sections of the file, their data lines cut into fields by their %FORMAT. */
function splitSections(lines: string[], fail: (msg: string) => never): { version?: string; raws: RawSection[] } {
  let version: string | undefined;
  const raws: RawSection[] = [];
  let current: RawSection | undefined;
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln]!;
    if (line.startsWith('%')) {
      if (line.startsWith('%VERSION')) version = line.slice(8).trim();
      else if (line.startsWith('%FLAG')) {
        const flag = line.slice(5).trim().split(/\s+/)[0] ?? '';
        if (!flag) fail(`line ${ln + 1}: %FLAG without a name`);
        if (raws.some((r) => r.flag === flag)) fail(`line ${ln + 1}: section ${flag} appears twice`);
        current = { flag, fields: [], line: ln + 1 };
        raws.push(current);
      } else if (line.startsWith('%FORMAT')) {
        if (!current) fail(`line ${ln + 1}: %FORMAT before any %FLAG`);
        const open = line.indexOf('(');
        const close = line.lastIndexOf(')');
        const spec = open >= 0 && close > open ? line.slice(open + 1, close) : '';
        const format = parseFortranFormat(spec);
        if (!format) fail(`line ${ln + 1}: section ${current!.flag}: unsupported format "${line.trim()}"`);
        current!.formatText = spec.trim();
        current!.format = format;
      }
      // %COMMENT and other directives carry no data.
      continue;
    }
    if (!current) {
      if (line.trim() === '') continue;
      fail(`line ${ln + 1}: data before the first %FLAG`);
    }
    if (!current!.format) fail(`line ${ln + 1}: section ${current!.flag} has data but no %FORMAT line`);
    splitFixedWidth(line, current!.format!, current!.fields);
  }
  return { version, raws };
}

/** A section's fields converted by its format: text, Int32Array or Float64Array. */
function convertSection(r: RawSection, fail: (msg: string) => never): PrmtopSection {
  if (!r.format) fail(`section ${r.flag} (line ${r.line}) has no %FORMAT line`);
  const f = r.format!;
  let data: PrmtopSection['data'];
  if (f.kind === 'a') {
    // Titles keep their inner blanks; names and labels are trimmed like OpenMM does.
    data = r.flag === 'TITLE' || r.flag === 'CTITLE' ? r.fields.slice() : r.fields.map((s) => s.trim());
  } else if (f.kind === 'i') {
    const a = new Int32Array(r.fields.length);
    for (let k = 0; k < a.length; k++) {
      const v = parseFortranInt(r.fields[k]!);
      if (Number.isNaN(v)) fail(`section ${r.flag}: value ${k + 1} "${r.fields[k]!.trim()}" is not an integer`);
      a[k] = v;
    }
    data = a;
  } else {
    const a = new Float64Array(r.fields.length);
    for (let k = 0; k < a.length; k++) {
      const v = parseFortranReal(r.fields[k]!);
      if (!Number.isFinite(v)) fail(`section ${r.flag}: value ${k + 1} "${r.fields[k]!.trim()}" is not a number`);
      a[k] = v;
    }
    data = a;
  }
  return { flag: r.flag, formatText: r.formatText!, format: f, data };
}

/** Required sections and their lengths in terms of POINTERS. */
function expectedCounts(p: Prmtop): Array<[string, number, boolean]> {
  const P = (n: PointerName) => p.pointer(n);
  const natom = P('NATOM');
  const ntypes = P('NTYPES');
  // [flag, expected length, required]
  return [
    ['ATOM_NAME', natom, true],
    ['CHARGE', natom, true],
    ['MASS', natom, true],
    ['ATOM_TYPE_INDEX', natom, true],
    ['NUMBER_EXCLUDED_ATOMS', natom, true],
    ['NONBONDED_PARM_INDEX', ntypes * ntypes, true],
    ['RESIDUE_LABEL', P('NRES'), true],
    ['RESIDUE_POINTER', P('NRES'), true],
    ['BOND_FORCE_CONSTANT', P('NUMBND'), true],
    ['BOND_EQUIL_VALUE', P('NUMBND'), true],
    ['ANGLE_FORCE_CONSTANT', P('NUMANG'), true],
    ['ANGLE_EQUIL_VALUE', P('NUMANG'), true],
    ['DIHEDRAL_FORCE_CONSTANT', P('NPTRA'), true],
    ['DIHEDRAL_PERIODICITY', P('NPTRA'), true],
    ['DIHEDRAL_PHASE', P('NPTRA'), true],
    ['SCEE_SCALE_FACTOR', P('NPTRA'), false],
    ['SCNB_SCALE_FACTOR', P('NPTRA'), false],
    ['LENNARD_JONES_ACOEF', (ntypes * (ntypes + 1)) / 2, true],
    ['LENNARD_JONES_BCOEF', (ntypes * (ntypes + 1)) / 2, true],
    ['BONDS_INC_HYDROGEN', 3 * P('NBONH'), true],
    ['BONDS_WITHOUT_HYDROGEN', 3 * P('NBONA'), true],
    ['ANGLES_INC_HYDROGEN', 4 * P('NTHETH'), true],
    ['ANGLES_WITHOUT_HYDROGEN', 4 * P('NTHETA'), true],
    ['DIHEDRALS_INC_HYDROGEN', 5 * P('NPHIH'), true],
    ['DIHEDRALS_WITHOUT_HYDROGEN', 5 * P('NPHIA'), true],
    ['EXCLUDED_ATOMS_LIST', P('NNB'), true],
    ['HBOND_ACOEF', P('NPHB'), false],
    ['HBOND_BCOEF', P('NPHB'), false],
    ['AMBER_ATOM_TYPE', natom, false],
    ['RADII', natom, false],
    ['SCREEN', natom, false],
    ['ATOMIC_NUMBER', natom, false],
  ];
}

function checkCounts(p: Prmtop): void {
  const src = p.source;
  if (!p.has('POINTERS')) throw new InputError(`${src}: missing section %FLAG POINTERS`, src);
  const ptr = p.int('POINTERS');
  if (ptr.length < 30)
    throw new InputError(
      `${src}: section POINTERS has ${ptr.length} values, expected at least 30 (file truncated?)`,
      src,
    );
  if (p.pointer('NATOM') <= 0)
    throw new InputError(
      `${src}: POINTERS says NATOM = ${p.pointer('NATOM')}; a topology needs at least one atom`,
      src,
    );
  for (const [flag, expected, required] of expectedCounts(p)) {
    const s = p.sections.get(flag);
    if (!s) {
      if (required) throw new InputError(`${src}: missing section %FLAG ${flag}`, src);
      continue;
    }
    if (s.data.length !== expected) {
      const hint = s.data.length < expected ? ' (file truncated?)' : '';
      throw new InputError(
        `${src}: section ${flag} has ${s.data.length} values, but POINTERS implies ${expected}${hint}`,
        src,
      );
    }
  }
}
