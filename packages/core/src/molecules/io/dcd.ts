/**
 * CHARMM/OpenMM DCD trajectories: Fortran unformatted records (4-byte length markers), a 'CORD'
 * header, float32 coordinates in Å, and an optional unit-cell record per frame. Written exactly
 * as OpenMM's DCDFile writes them, so OpenMM, mdtraj and VMD read our files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { AKMA_PS, countFrames, dcdWarner, decodeFrames, parseHeader, type DcdReadOptions } from './dcd-records.js';

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

export type { DcdReadOptions } from './dcd-records.js';

/** Decode a DCD file (either byte order, 32-bit record markers). `source` names it in errors. */
export function parseDcd(bytes: Uint8Array, source = 'DCD input', options: DcdReadOptions = {}): DcdTrajectory {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string): never => {
    throw new InputError(`${source}: ${what}`, source);
  };
  const h = parseHeader(bytes, dv, fail);
  const warn = dcdWarner(options);
  const nFrames = countFrames(h, bytes.byteLength - h.offset, fail, (m) => warn(`${source}: ${m}`));
  const positions = new Float64Array(nFrames * h.nAtoms * 3);
  const unitCells = h.hasCell ? new Float64Array(nFrames * 6) : undefined;
  decodeFrames(dv, h.offset, h, 0, nFrames, unitCells ? { positions, unitCells } : { positions }, fail);
  const result: DcdTrajectory = {
    nAtoms: h.nAtoms,
    nFrames,
    positions,
    titles: h.titles,
    timestep: h.timestepAkma * AKMA_PS,
  };
  if (unitCells) result.unitCells = unitCells;
  return result;
}

/** Read a DCD file. */
export function readDcd(path: string, options: DcdReadOptions = {}): DcdTrajectory {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read DCD file (${(e as Error).message})`, path);
  }
  return parseDcd(bytes, path, options);
}
