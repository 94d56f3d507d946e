/**
 * Reader of AMBER ASCII coordinate files (inpcrd / rst7): title, atom count (and time), then
 * 6F12.7 coordinates in Å, optionally velocities and a periodic box. Which of these are present
 * is told by the number of values, as AMBER and OpenMM do.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '@embedcg/core';

/** Contents of an inpcrd/rst7 file, converted to OpenMM units. */
export interface AmberCoordinates {
  title: string;
  nAtoms: number;
  /** Simulation time in ps, when the file states it. */
  time?: number;
  /** nAtoms × 3 positions, nm. */
  positions: Float64Array;
  /** nAtoms × 3 velocities, nm/ps (converted from AMBER's Å/(1/20.455 ps)), when present. */
  velocities?: Float64Array;
  /** [a, b, c (nm), alpha, beta, gamma (degrees)], when present. */
  box?: Float64Array;
}

/** AMBER velocity unit: Å per (1/20.455) ps. */
const AMBER_VELOCITY_TO_NM_PER_PS = 20.455 / 10;

/** Read an inpcrd/rst7 file. */
export function readInpcrd(path: string): AmberCoordinates {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read coordinate file (${(e as Error).message})`, path);
  }
  if (bytes.subarray(0, 3).toString('latin1') === 'CDF' || bytes.subarray(1, 4).toString('latin1') === 'HDF') {
    throw new InputError(
      `${path}: NetCDF restart files are not supported; write an ASCII inpcrd/rst7 (e.g. with cpptraj or ParmEd)`,
      path,
    );
  }
  return parseInpcrd(bytes.toString('utf8'), path);
}

/** Parse inpcrd/rst7 text; `source` names the file in error messages. */
export function parseInpcrd(text: string, source = 'inpcrd input'): AmberCoordinates {
  const fail = (msg: string): never => {
    throw new InputError(`${source}: ${msg}`, source);
  };
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length < 2) fail('too short: expected a title line and an atom-count line');
  const title = lines[0]!.trim();
  const header = lines[1]!.trim().split(/\s+/);
  const nAtoms = Number(header[0]);
  if (!Number.isInteger(nAtoms) || nAtoms <= 0) fail(`line 2: expected the number of atoms, got "${lines[1]!.trim()}"`);
  const time = header.length > 1 ? Number(header[1]) : undefined;
  const values: number[] = [];
  for (let ln = 2; ln < lines.length; ln++) {
    const line = lines[ln]!.replace(/\s+$/, '');
    // Fixed 12-character fields: adjacent values may touch ("-100.0000000-12.0000000").
    for (let at = 0; at < line.length; at += 12) {
      const field = line.slice(at, at + 12);
      if (field.trim() === '') continue;
      const v = Number(field);
      if (!Number.isFinite(v)) fail(`line ${ln + 1}: field "${field.trim()}" is not a number`);
      values.push(v);
    }
  }
  const n3 = nAtoms * 3;
  let hasVelocities = false;
  let hasBox = false;
  if (values.length === n3) {
    /* coordinates only */
  } else if (values.length === n3 + 6) hasBox = true;
  else if (values.length === 2 * n3) hasVelocities = true;
  else if (values.length === 2 * n3 + 6) {
    hasVelocities = true;
    hasBox = true;
  } else if (values.length < n3) fail(`truncated: ${nAtoms} atoms need ${n3} coordinates, found ${values.length}`);
  else
    fail(
      `${values.length} values do not match ${nAtoms} atoms (expected ${n3} coordinates, optionally ${n3} velocities and 6 box values)`,
    );
  const positions = new Float64Array(n3);
  for (let k = 0; k < n3; k++) positions[k] = values[k]! / 10;
  const result: AmberCoordinates = { title, nAtoms, positions };
  if (time !== undefined && Number.isFinite(time)) result.time = time;
  if (hasVelocities) {
    result.velocities = new Float64Array(n3);
    for (let k = 0; k < n3; k++) result.velocities[k] = values[n3 + k]! * AMBER_VELOCITY_TO_NM_PER_PS;
  }
  if (hasBox) {
    const b = values.slice(values.length - 6);
    result.box = Float64Array.from([b[0]! / 10, b[1]! / 10, b[2]! / 10, b[3]!, b[4]!, b[5]!]);
  }
  return result;
}
