/**
 * The records of a DCD file that both readers share, the whole-file parseDcd and the chunked
 * openDcd: the header (records 1–3, either byte order) and the frames (an optional unit-cell
 * record, then x, y and z records in Å).
 */

/** One AKMA time unit in ps: DCD headers store the time step in AKMA units. */
export const AKMA_PS = 0.04888821;

/** Options of the DCD readers. */
export interface DcdReadOptions {
  /**
   * Called with a message naming the file for problems that do not stop the read (a file cut at
   * a frame boundary, holding fewer frames than its header announces). Default: process.emitWarning.
   */
  onWarning?: (message: string) => void;
}

/** The warning callback of `options`, or process.emitWarning, so that a warning is never lost. */
export function dcdWarner(options: DcdReadOptions): (message: string) => void {
  return options.onWarning ?? ((message: string) => process.emitWarning(message, 'DcdWarning'));
}

/** Throws an error that names the file. */
export type DcdFail = (what: string) => never;

/** What the header of a DCD file says, and where its frames start. */
export interface DcdHeader {
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
export function parseHeader(bytes: Uint8Array, dv: DataView, fail: (what: string) => never): DcdHeader {
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

/** Bytes of one frame: the unit-cell record when there is one, then three coordinate records. */
export function frameBytes(h: Pick<DcdHeader, 'hasCell' | 'nAtoms'>): number {
  return (h.hasCell ? 56 : 0) + 3 * (8 + 4 * h.nAtoms);
}

/**
 * How many whole frames `dataBytes` bytes after the header hold. A frame cut in the middle is an
 * error; a file cut exactly at a frame boundary (a writer killed between updating the header and
 * writing the frame, or a copy cut short) reads, with a warning naming both counts.
 */
export function countFrames(h: DcdHeader, dataBytes: number, fail: DcdFail, warn: (message: string) => void): number {
  const size = frameBytes(h);
  const nFrames = Math.floor(dataBytes / size);
  if (dataBytes % size !== 0) {
    fail(
      `truncated: frame ${nFrames} is incomplete (${dataBytes % size} of ${size} bytes; the header announces ${h.headerFrames} frames)`,
    );
  }
  if (h.headerFrames > nFrames)
    warn(`the header announces ${h.headerFrames} frames, but the file holds ${nFrames}; reading those ${nFrames}`);
  return nFrames;
}

/** Where decoded frames go: frame-major positions (nm) and, with cells, 6 numbers per frame. */
export interface FrameTarget {
  positions: Float64Array;
  unitCells?: Float64Array;
}

/**
 * Decode `count` frames from `dv` starting at byte `at` into `target` (frame 0 of the target is
 * frame `first` of the file, which errors name).
 */
export function decodeFrames(
  dv: DataView,
  at: number,
  h: DcdHeader,
  first: number,
  count: number,
  target: FrameTarget,
  fail: DcdFail,
): void {
  const { little, nAtoms } = h;
  const int = (o: number) => dv.getInt32(o, little);
  const { positions, unitCells } = target;
  let o = at;
  for (let j = 0; j < count; j++) {
    const f = first + j;
    if (h.hasCell) {
      if (int(o) !== 48 || int(o + 52) !== 48) fail(`frame ${f}: corrupt unit-cell record`);
      const d = (k: number) => dv.getFloat64(o + 4 + 8 * k, little);
      const angle = (v: number) => (Math.abs(v) <= 1 ? 90 - (Math.asin(v) * 180) / Math.PI : v);
      unitCells?.set([d(0) / 10, d(2) / 10, d(5) / 10, angle(d(4)), angle(d(3)), angle(d(1))], j * 6);
      o += 56;
    }
    for (let axis = 0; axis < 3; axis++) {
      if (int(o) !== 4 * nAtoms || int(o + 4 + 4 * nAtoms) !== 4 * nAtoms)
        fail(`frame ${f}: corrupt coordinate record (axis ${'xyz'[axis]})`);
      o += 4;
      for (let a = 0; a < nAtoms; a++) {
        positions[(j * nAtoms + a) * 3 + axis] = dv.getFloat32(o, little) / 10;
        o += 4;
      }
      o += 4;
    }
  }
}
