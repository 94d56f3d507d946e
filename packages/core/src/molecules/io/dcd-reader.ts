/**
 * A DCD trajectory read a chunk of frames at a time from a file descriptor, so that memory stays
 * bounded at any trajectory length: the header first, then frames by offset. The records are
 * decoded by the same code as parseDcd (dcd-records.ts).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from '../../errors.js';
import {
  AKMA_PS,
  countFrames,
  dcdWarner,
  decodeFrames,
  frameBytes,
  parseHeader,
  type DcdHeader,
  type DcdReadOptions,
} from './dcd-records.js';

/** Frames `start` … `start + count − 1` of a DCD file. */
export interface DcdChunk {
  start: number;
  count: number;
  /** count × nAtoms × 3, nm. */
  positions: Float64Array;
  /** count × 6 [a, b, c (nm), alpha, beta, gamma (degrees)], when the file has unit cells. */
  unitCells?: Float64Array;
}

/** An open DCD file: what its header says, and its frames on demand. Call close() when done. */
export class DcdReader {
  readonly nAtoms: number;
  /** Whole frames in the file (fewer than the header announces when the file was cut short). */
  readonly nFrames: number;
  readonly hasUnitCells: boolean;
  /** Time step between saved frames in ps. */
  readonly timestep: number;
  readonly titles: string[];
  private readonly header: DcdHeader;
  private readonly fail: (what: string) => never;
  private fd: number | undefined;

  /** Open `path` and read its header; a bad or truncated file is an InputError naming it. */
  constructor(
    readonly path: string,
    options: DcdReadOptions = {},
  ) {
    this.fail = (what: string): never => {
      throw new InputError(`${path}: ${what}`, path);
    };
    try {
      this.fd = openSync(path, 'r');
    } catch (e) {
      throw new InputError(`${path}: cannot read DCD file (${(e as Error).message})`, path);
    }
    try {
      const size = fstatSync(this.fd).size;
      this.header = this.readHeader(size);
      const warn = dcdWarner(options);
      this.nFrames = countFrames(this.header, size - this.header.offset, this.fail, (m) => warn(`${path}: ${m}`));
    } catch (e) {
      this.close();
      throw e;
    }
    this.nAtoms = this.header.nAtoms;
    this.hasUnitCells = this.header.hasCell;
    this.timestep = this.header.timestepAkma * AKMA_PS;
    this.titles = this.header.titles;
  }

  /** Records 1–3: a first read for the title count, a second for the whole header. */
  private readHeader(size: number): DcdHeader {
    let bytes = this.bytesAt(0, Math.min(size, 100));
    if (size >= 100) {
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const little = dv.getInt32(0, true) === 84 || dv.getInt32(0, false) !== 84;
      const titleLen = dv.getInt32(92, little);
      // 92 bytes of record 1, the title record with its markers, 12 bytes of record 3.
      const full = 92 + 8 + Math.max(0, titleLen) + 12;
      if (titleLen > 0 && full > 100) bytes = this.bytesAt(0, Math.min(size, full));
    }
    // The bytes hold the whole header, or the whole file when it is shorter: either way the
    // sizes that parseHeader's errors name are the file's.
    return parseHeader(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), this.fail);
  }

  private bytesAt(position: number, length: number): Uint8Array {
    if (this.fd === undefined) throw new Error(`${this.path}: the DCD reader is closed`);
    const buf = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = readSync(this.fd, buf, got, length - got, position + got);
      if (n === 0) this.fail(`file ended at byte ${position + got} while ${length} bytes were read from ${position}`);
      got += n;
    }
    return buf;
  }

  /** Frames start … start + count − 1 (clipped to the file). */
  read(start: number, count: number): DcdChunk {
    if (!Number.isInteger(start) || start < 0 || start > this.nFrames)
      throw new RangeError(`${this.path}: frame ${start} is outside 0…${this.nFrames}`);
    const n = Math.max(0, Math.min(count, this.nFrames - start));
    const size = frameBytes(this.header);
    const bytes = this.bytesAt(this.header.offset + start * size, n * size);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const positions = new Float64Array(n * this.nAtoms * 3);
    const chunk: DcdChunk = { start, count: n, positions };
    if (this.header.hasCell) chunk.unitCells = new Float64Array(n * 6);
    decodeFrames(dv, 0, this.header, start, n, chunk, this.fail);
    return chunk;
  }

  /** Successive chunks of at most `size` frames, from the first frame to the last. */
  *chunks(size: number): Generator<DcdChunk> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, got ${size}`);
    for (let start = 0; start < this.nFrames; start += size) yield this.read(start, size);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Open a DCD file for reading in chunks (see {@link DcdReader}). */
export function openDcd(path: string, options: DcdReadOptions = {}): DcdReader {
  return new DcdReader(path, options);
}
