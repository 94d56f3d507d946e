/**
 * CHARMM/OpenMM DCD trajectories: Fortran unformatted records (4-byte length markers), a 'CORD'
 * header, float32 coordinates in Å, and an optional unit-cell record per frame. Written exactly
 * as OpenMM's DCDFile writes them, so OpenMM, mdtraj and VMD read our files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../../errors.js';

/** Coordinates of a DCD trajectory (nm), frame-major like force-field batches. */
export interface DcdTrajectory {
  nAtoms: number;
  nFrames: number;
  /** nFrames × nAtoms × 3, nm. */
  positions: Float64Array;
  /** Per frame [a, b, c (nm), alpha, beta, gamma (degrees)], when the file has unit cells. */
  unitCells?: Float64Array;
  /** Time step between saved frames in ps, from the header (OpenMM stores dt × interval in AKMA units). */
  timestep?: number;
  /** Title lines of the header. */
  titles: string[];
}

/** One AKMA time unit in ps: DCD headers store the time step in AKMA units. */
const AKMA_PS = 0.04888821;

/** Options of {@link formatDcd}. */
export interface DcdWriteOptions {
  /** Time step of the integrator in ps (stored in AKMA units as OpenMM does). Default 0.001. */
  timestep?: number;
  /** First step number. Default 0. */
  firstStep?: number;
  /** Steps between saved frames. Default 1. */
  interval?: number;
  /** Per-frame unit cells [a, b, c (nm), alpha, beta, gamma (degrees)]; omitted when not given. */
  unitCells?: Float64Array;
  /** Title line (up to 80 characters). */
  title?: string;
}

/** Little-endian writer of Fortran unformatted records into a buffer of known size. */
class RecordWriter {
  readonly u8: Uint8Array;
  private readonly dv: DataView;
  private o = 0;

  constructor(bytes: number) {
    const buf = new ArrayBuffer(bytes);
    this.dv = new DataView(buf);
    this.u8 = new Uint8Array(buf);
  }
  i32(v: number): void {
    this.dv.setInt32(this.o, v, true);
    this.o += 4;
  }
  f32(v: number): void {
    this.dv.setFloat32(this.o, v, true);
    this.o += 4;
  }
  f64(v: number): void {
    this.dv.setFloat64(this.o, v, true);
    this.o += 8;
  }
  ascii(s: string, width: number): void {
    for (let k = 0; k < width; k++) this.u8[this.o + k] = k < s.length ? s.charCodeAt(k) & 0x7f : 0;
    this.o += width;
  }
}

/** Records 1–3: 'CORD' with the control integers, the titles, and the number of atoms. */
function writeHeader(w: RecordWriter, nFrames: number, nAtoms: number, options: DcdWriteOptions): void {
  const firstStep = options.firstStep ?? 0;
  const interval = options.interval ?? 1;
  // Record 1: 'CORD' + 20 control integers (ICNTRL), the 10th being the time step as float32.
  w.i32(84);
  w.ascii('CORD', 4);
  w.i32(nFrames);
  w.i32(firstStep);
  w.i32(interval);
  w.i32(firstStep + nFrames * interval);
  for (let k = 0; k < 5; k++) w.i32(0);
  w.f32((options.timestep ?? 0.001) / AKMA_PS);
  w.i32(options.unitCells ? 1 : 0);
  for (let k = 0; k < 8; k++) w.i32(0);
  w.i32(24); // CHARMM version, which readers use to detect the extended format
  w.i32(84);
  // Record 2: titles.
  w.i32(164);
  w.i32(2);
  w.ascii((options.title ?? 'Created by embedcg').slice(0, 80), 80);
  w.ascii(`Created ${new Date().toUTCString()}`.slice(0, 80), 80);
  w.i32(164);
  // Record 3: number of atoms.
  w.i32(4);
  w.i32(nAtoms);
  w.i32(4);
}

/** Frame f: its unit-cell record when there are cells, then x, y and z records in Å. */
function writeFrame(w: RecordWriter, positions: Float64Array, nAtoms: number, f: number, cells?: Float64Array): void {
  if (cells) {
    const c = f * 6;
    const rad = Math.PI / 180;
    // CHARMM order a, cos(gamma), b, cos(beta), cos(alpha), c, with cosines written as sin(90°-angle) like OpenMM.
    w.i32(48);
    w.f64(cells[c]! * 10);
    w.f64(Math.sin(Math.PI / 2 - cells[c + 5]! * rad));
    w.f64(cells[c + 1]! * 10);
    w.f64(Math.sin(Math.PI / 2 - cells[c + 4]! * rad));
    w.f64(Math.sin(Math.PI / 2 - cells[c + 3]! * rad));
    w.f64(cells[c + 2]! * 10);
    w.i32(48);
  }
  for (let axis = 0; axis < 3; axis++) {
    w.i32(4 * nAtoms);
    for (let a = 0; a < nAtoms; a++) {
      const v = positions[(f * nAtoms + a) * 3 + axis]!;
      if (!Number.isFinite(v))
        throw new RangeError(`DCD writer: frame ${f}, atom ${a} has a non-finite coordinate (${v})`);
      w.f32(v * 10);
    }
    w.i32(4 * nAtoms);
  }
}

/** Encode frames (nm) as a DCD file with the layout of OpenMM's DCDFile. */
export function formatDcd(positions: Float64Array, nAtoms: number, options: DcdWriteOptions = {}): Uint8Array {
  if (!Number.isInteger(nAtoms) || nAtoms <= 0)
    throw new RangeError(`DCD writer: number of atoms must be a positive integer, got ${nAtoms}`);
  if (positions.length % (3 * nAtoms) !== 0)
    throw new RangeError(
      `DCD writer: ${positions.length} coordinates is not a whole number of frames of ${nAtoms} atoms`,
    );
  const nFrames = positions.length / (3 * nAtoms);
  const cells = options.unitCells;
  if (cells && cells.length !== nFrames * 6)
    throw new RangeError(`DCD writer: unitCells must hold 6 numbers per frame (${nFrames * 6}), got ${cells.length}`);
  const frameBytes = (cells ? 56 : 0) + 3 * (8 + 4 * nAtoms);
  const w = new RecordWriter(276 + nFrames * frameBytes);
  writeHeader(w, nFrames, nAtoms, options);
  for (let f = 0; f < nFrames; f++) writeFrame(w, positions, nAtoms, f, cells);
  return w.u8;
}

/** Write frames (nm) to a DCD file. */
export function writeDcd(path: string, positions: Float64Array, nAtoms: number, options: DcdWriteOptions = {}): void {
  writeFileSync(path, formatDcd(positions, nAtoms, options));
}

/** What the header of a DCD file says, and where its frames start. */
interface DcdHeader {
  little: boolean;
  nAtoms: number;
  hasCell: boolean;
  headerFrames: number;
  timestepAkma: number;
  titles: string[];
  /** Byte offset of the first frame. */
  offset: number;
}

/** Decode records 1–3 (either byte order); `fail` throws an error naming the file. */
function parseHeader(bytes: Uint8Array, dv: DataView, fail: (what: string) => never): DcdHeader {
  if (bytes.byteLength < 100) fail(`file is too short for a DCD header (${bytes.byteLength} bytes)`);
  let little = true;
  if (dv.getInt32(0, true) !== 84) {
    if (dv.getInt32(0, false) === 84) little = false;
    else if (dv.getInt32(0, true) === 0 && dv.getInt32(4, true) === 84)
      fail('64-bit Fortran record markers are not supported');
    else fail('not a DCD file (first record marker is not 84)');
  }
  const magic = String.fromCharCode(bytes[4]!, bytes[5]!, bytes[6]!, bytes[7]!);
  if (magic !== 'CORD') fail(`not a coordinate DCD file (header says "${magic}", expected "CORD")`);
  const int = (at: number) => dv.getInt32(at, little);
  const icntrl = (k: number) => int(8 + 4 * k);
  const charmm = icntrl(19) !== 0;
  const fixed = icntrl(8);
  if (fixed !== 0) fail(`fixed atoms (NAMNF = ${fixed}) are not supported`);
  if (charmm && icntrl(11) !== 0) fail('4-D coordinates are not supported');
  const timestepAkma = charmm ? dv.getFloat32(8 + 36, little) : dv.getFloat64(8 + 36, little);
  if (int(88) !== 84) fail('corrupt header: record 1 end marker is not 84');
  let o = 92;
  const need = (n: number, what: string) => {
    if (o + n > bytes.byteLength)
      fail(`truncated in ${what} (needs ${n} bytes at offset ${o}, file has ${bytes.byteLength})`);
  };
  need(8, 'title record');
  const titleLen = int(o);
  const nTitles = int(o + 4);
  if (titleLen !== 4 + 80 * nTitles) fail(`corrupt title record (length ${titleLen} for ${nTitles} titles)`);
  need(8 + titleLen, 'title record');
  const titles: string[] = [];
  for (let t = 0; t < nTitles; t++) {
    const start = o + 8 + 80 * t;
    titles.push(
      String.fromCharCode(...bytes.subarray(start, start + 80))
        .replace(/\0+$/, '')
        .trimEnd(),
    );
  }
  o += 4 + titleLen;
  if (int(o) !== titleLen) fail('corrupt title record end marker');
  o += 4;
  need(12, 'atom-count record');
  if (int(o) !== 4 || int(o + 8) !== 4) fail('corrupt atom-count record');
  const nAtoms = int(o + 4);
  if (nAtoms <= 0) fail(`invalid number of atoms ${nAtoms}`);
  const hasCell = charmm && icntrl(10) !== 0;
  return { little, nAtoms, hasCell, headerFrames: icntrl(0), timestepAkma, titles, offset: o + 12 };
}

/** Decode a DCD file (either byte order, 32-bit record markers). `source` names it in errors. */
export function parseDcd(bytes: Uint8Array, source = 'DCD input'): DcdTrajectory {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string): never => {
    throw new InputError(`${source}: ${what}`, source);
  };
  const { little, nAtoms, hasCell, headerFrames, timestepAkma, titles, offset } = parseHeader(bytes, dv, fail);
  const int = (at: number) => dv.getInt32(at, little);
  let o = offset;
  const frameBytes = (hasCell ? 56 : 0) + 3 * (8 + 4 * nAtoms);
  const remaining = bytes.byteLength - o;
  const nFrames = Math.floor(remaining / frameBytes);
  if (remaining % frameBytes !== 0) {
    fail(
      `truncated: frame ${nFrames} is incomplete (${remaining % frameBytes} of ${frameBytes} bytes; the header announces ${headerFrames} frames)`,
    );
  }
  const positions = new Float64Array(nFrames * nAtoms * 3);
  const unitCells = hasCell ? new Float64Array(nFrames * 6) : undefined;
  for (let f = 0; f < nFrames; f++) {
    if (unitCells) {
      if (int(o) !== 48 || int(o + 52) !== 48) fail(`frame ${f}: corrupt unit-cell record`);
      const d = (k: number) => dv.getFloat64(o + 4 + 8 * k, little);
      const angle = (v: number) => (Math.abs(v) <= 1 ? 90 - (Math.asin(v) * 180) / Math.PI : v);
      unitCells.set([d(0) / 10, d(2) / 10, d(5) / 10, angle(d(4)), angle(d(3)), angle(d(1))], f * 6);
      o += 56;
    }
    for (let axis = 0; axis < 3; axis++) {
      if (int(o) !== 4 * nAtoms || int(o + 4 + 4 * nAtoms) !== 4 * nAtoms)
        fail(`frame ${f}: corrupt coordinate record (axis ${'xyz'[axis]})`);
      o += 4;
      for (let a = 0; a < nAtoms; a++) {
        positions[(f * nAtoms + a) * 3 + axis] = dv.getFloat32(o, little) / 10;
        o += 4;
      }
      o += 4;
    }
  }
  const result: DcdTrajectory = { nAtoms, nFrames, positions, titles, timestep: timestepAkma * AKMA_PS };
  if (unitCells) result.unitCells = unitCells;
  return result;
}

/** Read a DCD file. */
export function readDcd(path: string): DcdTrajectory {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read DCD file (${(e as Error).message})`, path);
  }
  return parseDcd(bytes, path);
}
